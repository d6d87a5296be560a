// `pnpm openapi`: writes docs/api/openapi.json from the function apps' routes (a test keeps it current).
import { mkdir, writeFile } from 'node:fs/promises';
import { generateOpenApi } from '../packages/local/src/openApi.ts';

const target = new URL('../docs/api/openapi.json', import.meta.url);
await mkdir(new URL('.', target), { recursive: true });
await writeFile(target, `${JSON.stringify(await generateOpenApi(), null, 2)}\n`);
console.log(`wrote ${target.pathname}`);
