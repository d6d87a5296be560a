// The exact code a site owner pastes, with this deployment's absolute URLs (docs/widget.md).
import type { Agent } from '@closer/contract';
import type { ConsoleConfig } from '../../../config.ts';

const attribute = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function scriptTag(agent: Pick<Agent, 'publishableKey'>, config: ConsoleConfig): string {
  return `<script
  src="${attribute(config.widgetScriptUrl)}"
  data-key="${attribute(agent.publishableKey)}"
  data-api="${attribute(config.apiUrl)}"
  async
></script>`;
}

export function esmSnippet(agent: Pick<Agent, 'publishableKey'>, config: ConsoleConfig): string {
  return `// npm install @closer/widget preact @preact/signals
import { mount } from '@closer/widget';

mount({
  publishableKey: ${JSON.stringify(agent.publishableKey)},
  apiUrl: ${JSON.stringify(config.apiUrl)},
});`;
}
