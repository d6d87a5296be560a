// A Kommo webhook delivery: form-encoded with bracketed keys (`leads[status][0][id]=…`), every value a string.
// Read with qs, checked with zod, then applied to the linked leads in one statement; the rest is ignored.
import { storableString } from '@closer/contract';
// @deno-types="npm:@types/qs@^6"
import qs from 'qs';
import * as z from 'zod/mini';
import type { Queryable } from '../db/types.ts';
import { publishLeadEvent } from '../events/leads.ts';
import { ApiError, zodIssues } from '../http/errors.ts';

/** Kommo's fixed stage ids, the same in every pipeline. */
export const WON_STATUS_ID = 142;
export const LOST_STATUS_ID = 143;

/** A Kommo id as the form sends it: digits naming a positive safe integer (`0` or past 2^53 names nothing). */
const kommoId = z.pipe(
  z.string().check(
    z.regex(/^\d{1,18}$/, 'must be a Kommo id (digits)'),
    z.refine(
      (s) => Number.isSafeInteger(Number(s)) && Number(s) > 0,
      'must be a Kommo id (a positive integer)',
    ),
  ),
  z.transform(Number),
);
/** How far ahead of our clock a Kommo time may be: clocks drift, a year-5138 stamp would freeze a lead. */
export const MAX_CLOCK_AHEAD_SECONDS = 24 * 60 * 60;
const unixSeconds = z.optional(
  z.pipe(
    z.string().check(
      z.regex(/^\d{1,12}$/, 'must be a Unix time'),
      z.refine(
        (s) => Number(s) <= Date.now() / 1000 + MAX_CLOCK_AHEAD_SECONDS,
        'must not be more than a day in the future',
      ),
    ),
    z.transform((s) => new Date(Number(s) * 1000)),
  ),
);
const stageChange = z.object({
  id: kommoId,
  status_id: kommoId,
  pipeline_id: kommoId,
  last_modified: unixSeconds,
  updated_at: unixSeconds,
});
const leadRef = z.object({ id: kommoId });
/** One chat message of the "incoming/outgoing message" events (salesbot/humanReplies.ts reads them). */
const chatMessage = z.object({
  talk_id: z.optional(kommoId),
  entity_id: z.optional(kommoId),
  element_id: z.optional(kommoId),
  entity_type: z.optional(z.string()),
  element_type: z.optional(z.string()),
  type: z.optional(z.string()),
  text: z.optional(z.string()),
  author: z.optional(z.object({ type: z.optional(z.string()) })),
});

/** The parts Closer reads; unknown sections and fields (contacts, tasks, custom fields…) are dropped. */
const deliverySchema = z.object({
  leads: z.optional(
    z.object({
      status: z.optional(z.array(stageChange)),
      // "Lead changed" deliveries carry the stage too, for admins who subscribe to them by hand.
      update: z.optional(
        z.array(
          z.object({
            id: kommoId,
            status_id: z.optional(kommoId),
            pipeline_id: z.optional(kommoId),
            last_modified: unixSeconds,
            updated_at: unixSeconds,
            // The lead's tags as they are now (salesbot/humanReplies.ts: the resume tag).
            tags: z.optional(z.array(z.object({ name: z.optional(z.string()) }))),
          }),
        ),
      ),
      delete: z.optional(z.array(leadRef)),
    }),
  ),
  message: z.optional(z.object({ add: z.optional(z.array(chatMessage)) })),
  account: z.optional(z.object({ id: z.optional(kommoId), subdomain: z.optional(storableString()) })),
});
export type KommoDelivery = z.output<typeof deliverySchema>;

/** Form fields in one delivery: about 2,900 leads of ~17 fields each. */
const MAX_FIELDS = 50_000;

function countFields(body: string): number {
  let fields = 1;
  for (let at = body.indexOf('&'); at !== -1; at = body.indexOf('&', at + 1)) fields++;
  return fields;
}

/**
 * qs keeps indexes above its arrayLimit as object keys (so `a[99999999]` allocates nothing); a delivery of more
 * than 1,000 leads arrives that way. An object whose keys are all indexes is read back as the list, in order.
 */
function listsFromIndexes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(listsFromIndexes);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  const indexed = entries.length > 0 && entries.every(([key]) => /^(0|[1-9]\d{0,8})$/.test(key));
  if (indexed) {
    return entries.sort(([a], [b]) => Number(a) - Number(b)).map(([, item]) => listsFromIndexes(item));
  }
  return Object.fromEntries(entries.map(([key, item]) => [key, listsFromIndexes(item)]));
}

/** Parses a raw body; anything that is not a Kommo form delivery is a 400 with the fields at fault. */
export function parseDelivery(contentType: string | undefined, body: string): KommoDelivery {
  if (!(contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    throw new ApiError('bad_request', 'Kommo webhooks are application/x-www-form-urlencoded');
  }
  if (body.trim() === '') throw new ApiError('bad_request', 'The webhook body is empty');
  // qs would silently drop the fields past its limit, and with them stage changes: Kommo is told instead.
  if (countFields(body) > MAX_FIELDS) {
    throw new ApiError('payload_too_large', `A Kommo delivery may carry at most ${MAX_FIELDS} fields`);
  }
  const parsed = qs.parse(body, {
    depth: 8,
    arrayLimit: 1000,
    parameterLimit: MAX_FIELDS,
    allowPrototypes: false,
  });
  const fields = listsFromIndexes(parsed) as Record<string, unknown>;
  if (Object.keys(fields).length === 0) throw new ApiError('bad_request', 'The webhook body has no fields');
  const result = z.safeParse(deliverySchema, fields);
  if (!result.success) {
    throw new ApiError('bad_request', 'The webhook body is not a Kommo delivery Closer can read', {
      details: zodIssues(result.error),
    });
  }
  return result.data;
}

interface StageRow {
  id: string;
  pipeline_id: number;
  status_id: number;
  name: string | null;
  changed_at: string;
}

/**
 * Moves linked leads to the Kommo stage of the delivery: won (142), lost (143) or in progress, with the stage's
 * name from the stored pipelines. A delivery older than what a lead already shows changes nothing.
 */
export async function applyDelivery(
  tx: Queryable,
  delivery: KommoDelivery,
  pipelines: { id: number; statuses: { id: number; name: string }[] }[],
  receivedAt: Date,
): Promise<{ moved: number; deleted: number }> {
  const latest = new Map<number, StageRow>();
  const changes = [
    ...(delivery.leads?.status ?? []),
    ...(delivery.leads?.update ?? []).filter(
      (u): u is typeof u & { status_id: number; pipeline_id: number } =>
        u.status_id !== undefined && u.pipeline_id !== undefined,
    ),
  ];
  for (const change of changes) {
    const changedAt = change.last_modified ?? change.updated_at ?? receivedAt;
    const seen = latest.get(change.id);
    if (seen && new Date(seen.changed_at) > changedAt) continue;
    const stage = pipelines
      .find((p) => p.id === change.pipeline_id)
      ?.statuses.find((s) => s.id === change.status_id);
    latest.set(change.id, {
      id: String(change.id),
      pipeline_id: change.pipeline_id,
      status_id: change.status_id,
      name: stage?.name ?? fixedStageName(change.status_id),
      changed_at: changedAt.toISOString(),
    });
  }
  const moved = latest.size
    ? await tx.query(
        `update public.leads l set crm_pipeline_id = c.pipeline_id, crm_status_id = c.status_id,
           crm_stage_name = c.name, crm_stage_changed_at = c.changed_at,
           status = case c.status_id when ${WON_STATUS_ID} then 'won' when ${LOST_STATUS_ID} then 'lost'
                    else 'in_progress' end
         from jsonb_to_recordset($1::jsonb)
           as c(id text, pipeline_id bigint, status_id bigint, name text, changed_at timestamptz)
         where l.crm_provider = 'kommo' and l.crm_external_id = c.id
           and (l.crm_stage_changed_at is null or l.crm_stage_changed_at <= c.changed_at)
         returning l.*`,
        [JSON.stringify([...latest.values()])],
      )
    : [];
  // Kommo moved these leads: the organisation's other systems hear of it as `lead.updated`.
  for (const lead of moved) await publishLeadEvent(tx, 'lead.updated', lead);
  const deletedIds = (delivery.leads?.delete ?? []).map((lead) => String(lead.id));
  const deleted = deletedIds.length
    ? await tx.query(
        `update public.leads set crm_error = 'The lead was deleted in Kommo'
         where crm_provider = 'kommo' and crm_external_id = any($1::text[]) returning id`,
        [deletedIds],
      )
    : [];
  return { moved: moved.length, deleted: deleted.length };
}

const fixedStageName = (statusId: number) =>
  statusId === WON_STATUS_ID ? 'Won' : statusId === LOST_STATUS_ID ? 'Lost' : null;
