// Requests that create an organisation or an API key.
import * as z from 'zod/mini';
import { name } from '../common.ts';

export const organizationCreate = z.strictObject({ name: name(100) });

export const apiKeyCreate = z.strictObject({ name: name(100) });
