// The organisation's Kommo connection between its row and the wire, and the pipelines/users catalogue sync.
import type {
  KommoCatalog,
  KommoConnection,
  KommoCustomField,
  KommoPipeline,
  KommoSettings,
} from '@closer/contract';
import type * as z from 'zod/mini';
import type { Queryable, Row } from '../db/types.ts';
import { isoOrNull } from '../resources/time.ts';
import { sanitizeJson } from '../text.ts';
import { accountAnswer, customFieldItem, listPage, pipelinesAnswer, userItem } from './answers.ts';
import type { KommoApi } from './api.ts';

export const noSettings: KommoSettings = {
  pipelineId: null,
  statusId: null,
  responsibleUserId: null,
  tags: [],
  handoffTaskUserId: null,
  handoffTaskDueMinutes: 15,
  fieldMap: { company: null, need: null },
};

/** Stored settings over the defaults; older rows lack later keys. */
export function settingsFromRow(stored: unknown): KommoSettings {
  const given = (stored ?? {}) as Partial<KommoSettings>;
  return { ...noSettings, ...given, fieldMap: { ...noSettings.fieldMap, ...given.fieldMap } };
}

/** `webhookUrl` is revealed by the caller (it needs the encryption key), and only to the organisation's admins. */
export function connectionFromRow(row: Row | undefined, webhookUrl: string | null = null): KommoConnection {
  if (!row) {
    return {
      status: 'not_connected',
      subdomain: null,
      accountId: null,
      settings: noSettings,
      lastSyncAt: null,
      lastError: null,
      webhookUrl: null,
      webhookRegistered: false,
    };
  }
  return {
    status: row.status as KommoConnection['status'],
    subdomain: (row.subdomain as string | null) ?? null,
    accountId: row.account_id === null || row.account_id === undefined ? null : Number(row.account_id),
    settings: settingsFromRow(row.settings),
    lastSyncAt: isoOrNull(row.last_sync_at),
    lastError: (row.last_error as string | null) ?? null,
    webhookUrl,
    webhookRegistered: row.webhook_registered === true,
  };
}

/** Kommo pages lists (`limit` ≤ 250): follows `_links.next` up to `maxPages` pages. An empty list is a 204. */
async function allPages<T extends z.ZodMiniType>(
  api: KommoApi,
  path: string,
  key: string,
  item: T,
  maxPages = 20,
): Promise<z.infer<T>[]> {
  const items: z.infer<T>[] = [];
  const pageSchema = listPage(key, item);
  for (let page = 1; page <= maxPages; page++) {
    const separator = path.includes('?') ? '&' : '?';
    const answer = await api.read(pageSchema, 'GET', `${path}${separator}limit=250&page=${page}`);
    items.push(...((answer?._embedded?.[key] as z.infer<T>[] | undefined) ?? []));
    if (!answer?._links?.next?.href) break;
  }
  return items;
}

/**
 * Reads pipelines (with stages), users and the account id from Kommo. Called outside any transaction: the
 * token source may need one of its own to refresh.
 */
export async function fetchCatalog(api: KommoApi): Promise<KommoCatalog & { accountId: number | null }> {
  const [pipelines, users, account] = [
    await api.read(pipelinesAnswer, 'GET', '/api/v4/leads/pipelines'),
    await allPages(api, '/api/v4/users', 'users', userItem),
    await api.read(accountAnswer, 'GET', '/api/v4/account'),
  ];
  const fieldsOf = async (entity: KommoCustomField['entity']) =>
    (
      await allPages(
        api,
        `/api/v4/${entity === 'lead' ? 'leads' : 'contacts'}/custom_fields`,
        'custom_fields',
        customFieldItem,
      )
    ).map((f): KommoCustomField => ({ id: f.id, name: f.name, type: f.type, entity }));
  const customFields = [...(await fieldsOf('lead')), ...(await fieldsOf('contact'))];
  const catalog: KommoCatalog = {
    pipelines: (pipelines?._embedded?.pipelines ?? []).map(
      (p): KommoPipeline => ({
        id: p.id,
        name: p.name,
        isMain: p.is_main ?? false,
        statuses: (p._embedded?.statuses ?? []).map((s) => ({ id: s.id, name: s.name, sort: s.sort })),
      }),
    ),
    users: users.map((u) => ({ id: u.id, name: u.name, email: u.email ?? null })),
    customFields,
  };
  // Names are Kommo's text: without NUL or lone surrogates, which no column (jsonb included) can store.
  return { ...sanitizeJson(catalog), accountId: account?.id ?? null };
}

export async function storeCatalog(
  tx: Queryable,
  orgId: string,
  catalog: KommoCatalog & { accountId: number | null },
) {
  await tx.query(
    `update public.kommo_connections set pipelines = $2::jsonb, users = $3::jsonb, account_id = $4,
       custom_fields = $5::jsonb, last_sync_at = now(), last_error = null where org_id = $1`,
    [
      orgId,
      JSON.stringify(catalog.pipelines),
      JSON.stringify(catalog.users),
      catalog.accountId,
      JSON.stringify(catalog.customFields),
    ],
  );
}
