import { serve } from '../_shared/serve.ts';
import { createWorkerApp } from './app.ts';

serve(createWorkerApp);
