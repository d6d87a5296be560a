import { serve } from '../_shared/serve.ts';
import { createPrivacyApp } from './app.ts';

serve(createPrivacyApp);
