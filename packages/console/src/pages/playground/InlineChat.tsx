// The agent's real widget in inline mode, loaded on first use (its code is not part of the console's first
// load), in the console's theme and language. Every message it sends or receives is reported as a turn.
import type { Agent } from '@closer/contract';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, config, currentOrgId } from '../../api.ts';
import { locale } from '../../i18n/i18n.ts';
import { t } from '../../i18n/messages.ts';
import { themeChoice } from '../../theme.ts';
import { ErrorState, Loaded, Loading, useLoad } from '../../ui/states.tsx';

/** One message of the playground's conversation, oldest first. */
export interface Turn {
  role: 'user' | 'assistant';
  text: string;
}

/**
 * The widget, once the API confirms it may chat from this page (the console's origin allowed, the agent
 * active); otherwise why not, instead of an empty box.
 */
export function InlineChat({ agent, onTurn }: { agent: Agent; onTurn: (turn: Turn) => void }) {
  const check = useLoad(
    () => api().agents.checkEmbed(agent.id, { pageUrl: location.href }),
    [agent.id, currentOrgId.value],
  );
  return (
    <section class="card playground-chat" aria-labelledby="playground-chat">
      <h2 id="playground-chat">{t('playground.chat')}</h2>
      <Loaded load={check}>
        {(embed) =>
          !embed.agentActive ? (
            <p class="form-error">{t('playground.paused')}</p>
          ) : !embed.originAllowed ? (
            <p class="form-error">{t('playground.originRefused', { origin: embed.origin })}</p>
          ) : (
            <Widget agent={agent} onTurn={onTurn} />
          )
        }
      </Loaded>
    </section>
  );
}

function Widget({ agent, onTurn }: { agent: Agent; onTurn: (turn: Turn) => void }) {
  const target = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<'loading' | 'ready' | { error: unknown }>('loading');
  const [attempt, setAttempt] = useState(0);
  const report = useRef(onTurn);
  report.current = onTurn;
  const theme = themeChoice.value === 'system' ? 'auto' : themeChoice.value;
  const language = locale.value;
  useEffect(() => {
    const settings = config.value;
    if (!settings || !target.current) return;
    let widget: { destroy(): void } | null = null;
    let stopped = false;
    setState('loading');
    import('@closer/widget').then(
      ({ mount }) => {
        if (stopped || !target.current) return;
        const mounted = mount({
          publishableKey: agent.publishableKey,
          apiUrl: settings.apiUrl,
          target: target.current,
          locale: language,
          theme,
        });
        mounted.on('message', (message) => report.current({ role: message.role, text: message.text }));
        widget = mounted;
        setState('ready');
      },
      (error: unknown) => !stopped && setState({ error }),
    );
    return () => {
      stopped = true;
      widget?.destroy();
    };
  }, [agent.id, agent.publishableKey, theme, language, attempt]);
  return (
    <>
      {state === 'loading' && <Loading />}
      {typeof state === 'object' && (
        <ErrorState error={state.error} onRetry={() => setAttempt((n) => n + 1)} />
      )}
      <div ref={target} class="playground-widget" />
    </>
  );
}
