// Every edge function of supabase/functions, by name, as the local stack and the tests mount them.

import type { FunctionApp } from '@closer/functions/_shared/http/app.ts';
import type { Runtime } from '@closer/functions/_shared/runtime.ts';
import { createHealthApp } from '@closer/functions/health/app.ts';

export const functionFactories: Record<string, (runtime: Runtime) => FunctionApp> = {
  health: createHealthApp,
};

export const functionNames = Object.keys(functionFactories);
