import { serve } from '../_shared/serve.ts';
import { createBillingApp } from './app.ts';

serve(createBillingApp);
