import { serve } from '../_shared/serve.ts';
import { createKommoApp } from './app.ts';

serve(createKommoApp);
