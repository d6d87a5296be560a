// An agent's knowledge sources (/agents/:id/sources): the shared source routes, scoped to the agent.
import type { SourceRoutesScope } from '../_shared/knowledge/sources/routes.ts';
import { findAgent } from '../_shared/resources/agents.ts';

export {
  registerSourceRoutes,
  removeStoredFiles,
  UPLOAD_BODY_BYTES,
  UPLOAD_PATH,
} from '../_shared/knowledge/sources/routes.ts';

export const agentSources: SourceRoutesScope = {
  path: '/:id/sources',
  what: 'Agent',
  whose: "an agent's",
  async find(tx, agentId) {
    const agent = await findAgent(tx, agentId);
    return { orgId: agent.orgId, owner: { agentId } };
  },
};
