import { serve } from '../_shared/serve.ts';
import { createKnowledgeBaseApp } from './app.ts';

serve(createKnowledgeBaseApp);
