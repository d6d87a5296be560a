// The dashboard's period in SQL: whole local days in the caller's time zone, optionally one agent.
// Parameters: $1 from, $2 to (local dates), $3 time zone, $4 agent id or null. A local day starts at local midnight.

export interface DashboardPeriod {
  from: string;
  to: string;
  tz: string;
  agentId?: string | undefined;
}

export const periodParams = (period: DashboardPeriod) => [
  period.from,
  period.to,
  period.tz,
  period.agentId ?? null,
];

export const PERIOD = `
  with period as (
    select ($1::date::timestamp at time zone $3) as start_at,
           (($2::date + 1)::timestamp at time zone $3) as end_at
  )`;

export const IN_PERIOD = (column: string) =>
  `${column} >= (select start_at from period) and ${column} < (select end_at from period)`;

export const OF_AGENT = (column: string) => `($4::uuid is null or ${column} = $4::uuid)`;
