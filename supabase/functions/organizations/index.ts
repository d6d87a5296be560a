import { serve } from '../_shared/serve.ts';
import { createOrganizationsApp } from './app.ts';

serve(createOrganizationsApp);
