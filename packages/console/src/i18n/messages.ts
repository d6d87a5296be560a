// Every area's catalog in one typed table: a page adds one import and one spread line here.
import { handoffSettingsMessages } from '../pages/agents/handoff/messages.ts';
import { agentsMessages } from '../pages/agents/messages.ts';
import { billingMessages } from '../pages/billing/messages.ts';
import { conversationsLiveMessages } from '../pages/conversations/liveMessages.ts';
import { conversationsMessages } from '../pages/conversations/messages.ts';
import { dashboardMessages } from '../pages/dashboard/messages.ts';
import { knowledgeMessages } from '../pages/knowledge/messages.ts';
import { leadsMessages } from '../pages/leads/messages.ts';
import { onboardingMessages } from '../pages/onboarding/messages.ts';
import { playgroundMessages } from '../pages/playground/messages.ts';
import { qualificationMessages } from '../pages/qualification/messages.ts';
import { scriptsMessages } from '../pages/scripts/messages.ts';
import { bookingMessages } from '../pages/settings/bookingMessages.ts';
import { kommoChatMessages } from '../pages/settings/kommoChatMessages.ts';
import { kommoHandoffTaskMessages } from '../pages/settings/kommoHandoffTaskMessages.ts';
import { settingsMessages } from '../pages/settings/messages.ts';
import { signInMessages } from '../pages/signIn/messages.ts';
import { webhooksMessages } from '../pages/webhooks/messages.ts';
import { commonMessages } from './common.ts';
import { fill, type Locale, locale } from './i18n.ts';

// biome-ignore format: one area per line, so pages are added without touching each other's lines
const areas = [
  commonMessages,
  signInMessages,
  onboardingMessages,
  agentsMessages,
  settingsMessages,
  conversationsMessages,
  leadsMessages,
  dashboardMessages,
  knowledgeMessages,
  scriptsMessages,
  playgroundMessages,
  bookingMessages,
  qualificationMessages,
  webhooksMessages,
  billingMessages,
  kommoChatMessages,
  conversationsLiveMessages,
  handoffSettingsMessages,
  kommoHandoffTaskMessages,
] as const;

type Area = (typeof areas)[number];
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void
  ? I
  : never;
/** Every message key of every area. */
export type MessageKey = keyof UnionToIntersection<Area['en']>;

const catalogs = Object.fromEntries(
  (['en', 'ru'] as const).map((code) => [code, Object.assign({}, ...areas.map((area) => area[code]))]),
) as Record<Locale, Record<MessageKey, string>>;

/** The message in the current language (a signal read: components re-render when the language changes). */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  return fill(catalogs[locale.value][key] ?? catalogs.en[key] ?? key, params);
}
