import { serve } from '../_shared/serve.ts';
import { createAgentsApp } from './app.ts';

serve(createAgentsApp);
