import { serve } from '../_shared/serve.ts';
import { createLeadsApp } from './app.ts';

serve(createLeadsApp);
