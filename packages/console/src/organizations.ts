// The signed-in user's organisations, loaded once per session; the chosen one is kept across visits.
import type { Organization } from '@closer/sdk';
import { computed, signal } from '@preact/signals';
import { api, chooseOrganization, currentOrgId } from './api.ts';

/** null until loaded. */
export const organizations = signal<Organization[] | null>(null);
export const organizationsError = signal<unknown>(null);

export const currentOrganization = computed(
  () => organizations.value?.find((org) => org.id === currentOrgId.value) ?? null,
);

export async function loadOrganizations(): Promise<void> {
  organizationsError.value = null;
  try {
    const { data } = await api().organizations.list();
    organizations.value = data;
    const chosen = data.find((org) => org.id === currentOrgId.value) ?? data[0];
    if (chosen && chosen.id !== currentOrgId.value) chooseOrganization(chosen.id);
  } catch (error) {
    organizationsError.value = error;
  }
}

/** After creating or renaming one: the list as the server has it now, `id` chosen. */
export async function reloadOrganizations(choose?: string) {
  if (choose) chooseOrganization(choose);
  await loadOrganizations();
}

export function forgetOrganizations() {
  organizations.value = null;
  organizationsError.value = null;
}
