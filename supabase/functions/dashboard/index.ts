import { serve } from '../_shared/serve.ts';
import { createDashboardApp } from './app.ts';

serve(createDashboardApp);
