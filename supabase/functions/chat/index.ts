import { serve } from '../_shared/serve.ts';
import { createChatApp } from './app.ts';

serve(createChatApp);
