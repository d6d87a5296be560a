// Usage-based plans: the replies the ledger counted and Stripe's Billing Meter has not heard of, sent as meter
// events, one per reply. Each event's identifier names the organisation, period and the reply's number in it, so
// Stripe counts every reply once: a report repeated after a lost answer, or two runs at once while replies keep
// coming, send the same identifiers again (a running total would name a different batch each time).
import type { Database } from '../db/types.ts';
import type { BillingConfig } from './config.ts';
import { stripeClient } from './stripe.ts';

export interface MeterReport {
  /** Meter events (replies) Stripe accepted. */
  reported: number;
  /** Ledger rows whose report failed part-way; the rest is tried again on the next run. */
  failed: number;
}

interface Unreported {
  org_id: string;
  period_start: Date;
  quantity: string | number;
  reported: string | number;
  stripe_customer_id: string;
  meter_event_name: string;
}

/** Reports up to `limit` unreported replies of organisations on a usage-based plan (run by the billing worker). */
export async function reportMeteredUsage(
  db: Database,
  config: BillingConfig,
  limit = 500,
): Promise<MeterReport> {
  const rows = await db.query<Unreported>(
    `select u.org_id, u.period_start, u.quantity, u.reported, a.stripe_customer_id, p.meter_event_name
     from public.billing_usage u
     join public.billing_accounts a on a.org_id = u.org_id and a.stripe_customer_id is not null
     join billing.plans p on p.id = a.plan_id and p.meter_event_name is not null
     where u.metric = 'messages' and u.quantity > u.reported
     order by u.updated_at limit 100`,
  );
  const report: MeterReport = { reported: 0, failed: 0 };
  for (const row of rows) {
    if (report.reported >= limit) break;
    const from = Number(row.reported);
    const upTo = Math.min(Number(row.quantity), from + limit - report.reported);
    const sent = await sendReplies(config, row, from, upTo);
    report.reported += sent - from;
    if (sent < upTo) report.failed++;
    if (sent > from) {
      await db.query(
        `update public.billing_usage set reported = greatest(reported, $3)
         where org_id = $1 and metric = 'messages' and period_start = $2`,
        [row.org_id, row.period_start, sent],
      );
    }
  }
  return report;
}

/** Sends replies `from + 1` to `upTo` of the row's period; answers the last one Stripe accepted. */
async function sendReplies(config: BillingConfig, row: Unreported, from: number, upTo: number) {
  const period = new Date(row.period_start).toISOString();
  let sent = from;
  try {
    while (sent < upTo) {
      await stripeClient(config).billing.meterEvents.create({
        event_name: row.meter_event_name,
        payload: { stripe_customer_id: row.stripe_customer_id, value: '1' },
        identifier: `closer:${row.org_id}:${period}:${sent + 1}`,
      });
      sent++;
    }
  } catch (error) {
    console.error(
      JSON.stringify({ level: 'warn', where: 'billing meters', orgId: row.org_id, error: String(error) }),
    );
  }
  return sent;
}
