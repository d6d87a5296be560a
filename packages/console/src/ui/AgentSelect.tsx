// The agent picker of the pages that work on one agent at a time (knowledge, scripts, playground).
import { t } from '../i18n/messages.ts';
import { Field } from './Field.tsx';

export interface AgentSelectProps {
  agents: readonly { id: string; name: string }[];
  value: string;
  onChange(agentId: string): void;
}

export function AgentSelect({ agents, value, onChange }: AgentSelectProps) {
  return (
    <Field label={t('knowledge.agent')}>
      {(control) => (
        <select {...control} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
          {agents.map((agent) => (
            <option key={agent.id} value={agent.id}>
              {agent.name}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
