import { serve } from '../_shared/serve.ts';
import { createBookingApp } from './app.ts';

serve(createBookingApp);
