// One agent: its editor (every field, saved together) and its install panel.
import { api, currentOrgId } from '../../api.ts';
import type { PageProps } from '../../routes.ts';
import { Loaded, useLoad } from '../../ui/states.tsx';
import { AgentEditor } from './AgentEditor.tsx';

export default function AgentPage({ params }: PageProps) {
  const agentId = params.agentId ?? '';
  const agent = useLoad(() => api().agents.retrieve(agentId), [agentId, currentOrgId.value]);
  return <Loaded load={agent}>{(loaded) => <AgentEditor key={loaded.id} agent={loaded} />}</Loaded>;
}
