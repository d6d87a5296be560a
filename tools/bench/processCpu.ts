// CPU time of processes, read from /proc: what the benches charge to PostgreSQL, the stack and their own parts.
import { readdir, readFile } from 'node:fs/promises';

/** The PostgreSQL server's main process (its backends are its children): the one started with `-p <port>`. */
export async function postmasterPid(port: number): Promise<number | null> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const command = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const args = command.split('\0');
    if (args[0]?.endsWith('postgres') && args.join(' ').includes(`-p ${port} `)) return Number(entry);
  }
  return null;
}

/** CPU time (user + system) of `pid` and its descendants, in ms, from /proc (clock ticks of 10 ms). */
export async function treeCpuMs(pid: number): Promise<number> {
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    if (!stat) continue;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    stats.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
  }
  const inTree = (p: number): boolean => p === pid || (p > 1 && stats.has(p) && inTree(stats.get(p)!.ppid));
  let ticks = 0;
  for (const [p, { ticks: t }] of stats) if (inTree(p)) ticks += t;
  return ticks * 10;
}

/**
 * CPU time of the PostgreSQL server listening on `port` and all its processes, in ms; NaN when it is not found.
 * Backends that exited since are not counted (the benches keep their connections open).
 */
export async function postgresCpuMs(port: number): Promise<number> {
  const pid = await postmasterPid(port);
  return pid ? treeCpuMs(pid) : Number.NaN;
}
