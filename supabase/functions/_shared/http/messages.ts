// zod/mini carries no error messages (that keeps the SDK and widget small): the server answers in English.

import { en } from 'zod/locales';
import * as z from 'zod/mini';

z.config(en());
