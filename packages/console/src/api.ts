// The console's one door to the API: an @closer/sdk client for the signed-in user and the chosen organisation.
import { type CloserClient, createClient } from '@closer/sdk';
import { computed, signal } from '@preact/signals';
import { accessToken, signOut } from './auth/session.ts';
import type { ConsoleConfig } from './config.ts';

export const config = signal<ConsoleConfig | null>(null);
/** The organisation every request acts for (`X-Organization-Id`); chosen in the organisation switcher. */
export const currentOrgId = signal<string | null>(readOrgId());

function readOrgId(): string | null {
  try {
    return localStorage.getItem('closer.console.org');
  } catch {
    return null;
  }
}

export function chooseOrganization(id: string) {
  currentOrgId.value = id;
  try {
    localStorage.setItem('closer.console.org', id);
  } catch {}
}

/** A 401 means the session is over (expired, signed out elsewhere): back to the sign-in page. */
const fetchSigningOutOn401: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  if (response.status === 401) void signOut();
  return response;
};

const clientSignal = computed<CloserClient | null>(() => {
  const settings = config.value;
  if (!settings) return null;
  return createClient({
    url: settings.apiUrl,
    accessToken,
    organizationId: currentOrgId.value ?? undefined,
    fetch: fetchSigningOutOn401,
  });
});

/** The SDK client (read it inside a component or effect to follow the organisation switcher). */
export function api(): CloserClient {
  const client = clientSignal.value;
  if (!client) throw new Error('The console configuration is not loaded');
  return client;
}
