// Every page of the console, in navigation order: one line each. A page lives in pages/<page>/ and is loaded
// when first visited (its code is not part of the first load).
import type { ComponentType } from 'preact';
import type { MessageKey } from './i18n/messages.ts';

/** What a page component receives: the path's `:params`. */
export interface PageProps {
  params: Record<string, string | undefined>;
}

export interface PageRoute {
  /** The path under the console's base, wouter syntax (`/agents/:agentId`). */
  path: string;
  load: () => Promise<{ default: ComponentType<PageProps> }>;
  /** Shown in the navigation with this label when set; child pages (an agent's editor) leave it out. */
  nav?: MessageKey;
}

// biome-ignore format: one route per line, so pages are added without touching each other's lines
export const routes: PageRoute[] = [
  { path: '/agents', nav: 'nav.agents', load: () => import('./pages/agents/AgentsPage.tsx') },
  { path: '/agents/:agentId', load: () => import('./pages/agents/AgentPage.tsx') },
  { path: '/dashboard', nav: 'nav.dashboard', load: () => import('./pages/dashboard/DashboardPage.tsx') },
  { path: '/conversations', nav: 'nav.conversations', load: () => import('./pages/conversations/ConversationsPage.tsx') },
  { path: '/conversations/:conversationId', load: () => import('./pages/conversations/TranscriptPage.tsx') },
  { path: '/leads', nav: 'nav.leads', load: () => import('./pages/leads/LeadsPage.tsx') },
  { path: '/knowledge', nav: 'nav.knowledge', load: () => import('./pages/knowledge/KnowledgePage.tsx') },
  { path: '/scripts', nav: 'nav.scripts', load: () => import('./pages/scripts/ScriptsPage.tsx') },
  { path: '/playground', nav: 'nav.playground', load: () => import('./pages/playground/PlaygroundPage.tsx') },
  { path: '/settings', nav: 'nav.settings', load: () => import('./pages/settings/SettingsPage.tsx') },
];

/** Where `/` and the sign-in land. */
export const homePath = '/agents';
