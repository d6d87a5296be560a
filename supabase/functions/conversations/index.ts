import { serve } from '../_shared/serve.ts';
import { createConversationsApp } from './app.ts';

serve(createConversationsApp);
