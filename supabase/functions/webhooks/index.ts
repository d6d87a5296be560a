import { serve } from '../_shared/serve.ts';
import { createWebhooksApp } from './app.ts';

serve(createWebhooksApp);
