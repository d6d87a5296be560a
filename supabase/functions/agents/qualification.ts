// /agents/:id/qualification: the agent's qualification plan (criteria, weights, thresholds, Kommo hand-off).
import { id, qualificationPlan, qualificationPlanInput } from '@closer/contract';
import { tenant } from '../_shared/auth/middleware.ts';
import type { FunctionApp } from '../_shared/http/app.ts';
import { route } from '../_shared/http/route.ts';
import { loadPlan, savePlan } from '../_shared/qualification/plan.ts';
import { findAgent } from '../_shared/resources/agents.ts';

const agentParam = { id: { schema: id, what: 'Agent' } };

export function registerQualificationRoutes(app: FunctionApp) {
  const readPlan = route({
    summary: "Read the agent's qualification plan (the default, switched off, until one is saved)",
    params: agentParam,
    responses: { 200: qualificationPlan },
  });
  app.get('/:id/qualification', readPlan, async (c) => {
    const agentId = c.req.valid('param').id;
    return c.json(
      await tenant(c, async (tx) => {
        await findAgent(tx, agentId);
        return loadPlan(tx, agentId);
      }),
    );
  });

  const replacePlan = route({
    summary: "Replace the agent's qualification plan",
    description:
      'The whole plan: criteria (presets budget, authority, need, timeline or custom questions; type text, ' +
      'number, choice or yes_no; weight 0–10), hot and warm thresholds (warm below hot), and what a lead turning ' +
      'hot does in Kommo. Answers already gathered keep their criterion keys; scores are recomputed as answers arrive.',
    params: agentParam,
    body: qualificationPlanInput,
    responses: { 200: qualificationPlan },
  });
  app.put('/:id/qualification', replacePlan, async (c) => {
    const agentId = c.req.valid('param').id;
    const input = c.req.valid('json');
    return c.json(
      await tenant(c, async (tx) => {
        const agent = await findAgent(tx, agentId);
        return savePlan(tx, agent, input);
      }),
    );
  });
}
