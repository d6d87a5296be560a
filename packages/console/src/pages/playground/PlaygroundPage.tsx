// Chat with an agent through the real widget (inline) beside "why this answer": after each visitor message, what
// retrieval grounds the reply on (POST /agents/:id/retrieve), with scores.
import type { Agent } from '@closer/contract';
import { useState } from 'preact/hooks';
import { t } from '../../i18n/messages.ts';
import { AgentSelect } from '../../ui/AgentSelect.tsx';
import { useAgents } from '../../ui/agentNames.ts';
import { PageHeader } from '../../ui/PageHeader.tsx';
import { Empty, ErrorState, Loading } from '../../ui/states.tsx';
import { InlineChat, type Turn } from './InlineChat.tsx';
import { WhyPanel } from './WhyPanel.tsx';
import './playground.css';

export default function PlaygroundPage() {
  const agents = useAgents();
  const [agentId, setAgentId] = useState('');
  const list = agents.data ?? [];
  const agent = list.find((a) => a.id === agentId) ?? list[0];
  return (
    <>
      <PageHeader title={t('playground.title')} />
      <p class="muted">{t('playground.realNote')}</p>
      {agents.status === 'error' && !agents.data ? (
        <ErrorState error={agents.error} onRetry={agents.reload} />
      ) : !agents.data ? (
        <Loading />
      ) : !agent ? (
        <Empty title={t('knowledge.noAgents')} />
      ) : (
        <>
          <AgentSelect agents={list} value={agent.id} onChange={setAgentId} />
          <Playground key={agent.id} agent={agent} />
        </>
      )}
    </>
  );
}

/** One agent's chat and its explanations; remounted (a fresh panel) when the agent changes. */
function Playground({ agent }: { agent: Agent }) {
  const [turns, setTurns] = useState<Turn[]>([]);
  return (
    <div class="playground">
      <InlineChat agent={agent} onTurn={(turn) => setTurns((all) => [...all, turn])} />
      <WhyPanel agentId={agent.id} turns={turns} />
    </div>
  );
}
