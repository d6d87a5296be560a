// `pnpm openapi`: writes docs/api/openapi.json from the contract schemas (a test keeps it current).
import { mkdir, writeFile } from 'node:fs/promises';
import { openApiDocument } from '@closer/contract/openapi';
import { VERSION } from '../supabase/functions/_shared/env.ts';

const target = new URL('../docs/api/openapi.json', import.meta.url);
await mkdir(new URL('.', target), { recursive: true });
await writeFile(target, `${JSON.stringify(openApiDocument(VERSION), null, 2)}\n`);
console.log(`wrote ${target.pathname}`);
