// The deployment's settings, read at run time from config.json beside index.html: one build serves any host.
import * as z from 'zod/mini';

const httpUrl = z.url({ protocol: /^https?$/ });

export const consoleConfig = z.object({
  /** The functions base URL: `https://<project>.supabase.co/functions/v1`. */
  apiUrl: httpUrl,
  /** Where this deployment serves the widget's script-tag build (`closer.js`), for the install snippets. */
  widgetScriptUrl: httpUrl,
  /** Supabase Auth (production) or the local stack's sign-in route (never deployed). */
  auth: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('supabase'), url: httpUrl, anonKey: z.string().check(z.minLength(1)) }),
    z.object({ kind: z.literal('local'), url: httpUrl }),
  ]),
});
export type ConsoleConfig = z.infer<typeof consoleConfig>;

/** Fetches and checks `config.json`; throws an Error naming what is wrong. */
export async function loadConfig(url = `${import.meta.env.BASE_URL}config.json`): Promise<ConsoleConfig> {
  const response = await fetch(url, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  const parsed = z.safeParse(consoleConfig, await response.json());
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${url}: ${issue?.path.join('.') || 'the file'} ${issue?.message ?? 'is not valid'}`);
  }
  return parsed.data;
}
