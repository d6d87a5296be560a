// The plans of every statement a call runs, functions' inner statements included, from PostgreSQL's
// auto_explain sent back as notices: what the planner chose, on a real PostgreSQL (tests and `pnpm bench`).
import postgres from 'postgres';

export interface NestedPlan {
  /** The statement's text, as auto_explain names it. */
  query: string;
  /** The plan's lines (nodes and their conditions), without costs or row counts. */
  nodes: string[];
}

/**
 * Runs `statement` in a transaction after `set_config('request.jwt.claims', claims)` and `role authenticated`
 * (as withTenant does) and returns the plans of the statements it ran inside, the outer one left out.
 */
export async function nestedPlans(
  url: string,
  claims: object,
  statement: string,
  params: (string | number)[],
): Promise<NestedPlan[]> {
  const notices: string[] = [];
  const sql = postgres(url, { max: 1, onnotice: (notice) => notices.push(String(notice.message)) });
  try {
    await sql`load 'auto_explain'`;
    for (const setting of ['log_min_duration = 0', 'log_nested_statements = on', 'log_level = notice']) {
      await sql.unsafe(`set auto_explain.${setting}`);
    }
    await sql.unsafe('set auto_explain.log_analyze = on');
    await sql.unsafe('set auto_explain.log_timing = off');
    await sql.begin(async (tx) => {
      await tx`select set_config('request.jwt.claims', ${JSON.stringify(claims)}, true), set_config('role', 'authenticated', true)`;
      notices.length = 0;
      await tx.unsafe(statement, params);
    });
  } finally {
    await sql.end();
  }
  return notices.flatMap((notice) => {
    // "Query Text: <the statement, over as many lines as it has>", then the plan, whose first line has costs.
    const lines = notice.split('\n');
    const first = lines.findIndex((line) => /\(cost=/.test(line));
    const query = /Query Text: ([\s\S]*)/
      .exec(lines.slice(0, first).join('\n'))?.[1]
      ?.replace(/\s+/g, ' ')
      .trim();
    if (first < 0 || !query || query === statement.replace(/\s+/g, ' ').trim()) return [];
    const nodes = lines
      .slice(first)
      .map((line) => line.replace(/\s*\((cost|actual|never executed)[^)]*\)/g, '').replace(/\s+$/, ''))
      .filter((line) => line.trim() !== '');
    return [{ query, nodes }];
  });
}
