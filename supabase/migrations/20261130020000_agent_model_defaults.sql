-- An agent's model may be left to the deployment (`LLM_MODEL`): null means "the deployment's default".
-- Agents still on the old column default ('openai/gpt-4o-mini', an OpenRouter name that Ollama, vLLM and
-- OpenAI refuse) never chose a model: they now follow the deployment, which on OpenRouter without
-- LLM_MODEL is that same model, so nothing changes there.
-- context_window: the model's window in tokens for prompt trimming; null = LLM_CONTEXT_WINDOW or the
-- built-in table of model names.

alter table public.agents alter column model drop not null;
alter table public.agents alter column model set default null;
alter table public.agents
  add column context_window integer check (context_window between 1024 and 10000000);

update public.agents set model = null where model = 'openai/gpt-4o-mini';
