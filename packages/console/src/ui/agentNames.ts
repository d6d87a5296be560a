// The organisation's agents for filters and labels, loaded once per organisation and shared by the pages.
import type { Agent } from '@closer/contract';
import { api, currentOrgId } from '../api.ts';
import { useLoad } from './states.tsx';

export function useAgents() {
  return useLoad(async () => {
    const all: Agent[] = [];
    for await (const agent of api().agents.list({ limit: 100 })) all.push(agent);
    return all;
  }, [currentOrgId.value]);
}

/** An agent's name by id, or the fallback (a deleted agent). */
export function agentName(agents: Agent[] | undefined, id: string | null, fallback: string): string {
  return agents?.find((agent) => agent.id === id)?.name ?? fallback;
}
