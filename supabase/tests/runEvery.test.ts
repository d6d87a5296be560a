// The one loop every in-process worker runs on (the local stack, the self-hosted server).
import { runEvery } from '@closer/functions/_shared/background.ts';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

it('runs one run at a time: a tick that finds the last run going is skipped', async () => {
  let started = 0;
  let finish = () => {};
  const job = runEvery(100, 'test worker', () => {
    started++;
    return new Promise<void>((resolve) => {
      finish = resolve;
    });
  });
  expect(started).toBe(0);
  await vi.advanceTimersByTimeAsync(350);
  expect(started).toBe(1);
  finish();
  await vi.advanceTimersByTimeAsync(100);
  expect(started).toBe(2);
  finish();
  await job.stop();
});

it('logs a failed run under its name and runs again at the next tick', async () => {
  const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
  let runs = 0;
  const job = runEvery(
    100,
    'flaky worker',
    async () => {
      runs++;
      if (runs === 1) throw new Error('database went away');
    },
    { now: true },
  );
  await vi.advanceTimersByTimeAsync(0);
  expect(runs).toBe(1);
  expect(JSON.parse(String(errors.mock.calls[0]?.[0]))).toMatchObject({
    level: 'error',
    where: 'flaky worker',
    error: 'Error: database went away',
  });
  await vi.advanceTimersByTimeAsync(100);
  expect(runs).toBe(2);
  await job.stop();
});

it('stops: no run after stop(), which resolves only once the run in progress has ended', async () => {
  let runs = 0;
  let finish = () => {};
  const job = runEvery(
    100,
    'test worker',
    () => {
      runs++;
      return new Promise<void>((resolve) => {
        finish = resolve;
      });
    },
    { now: true },
  );
  let stopped = false;
  const stopping = job.stop().then(() => {
    stopped = true;
  });
  await vi.advanceTimersByTimeAsync(500);
  expect(stopped).toBe(false);
  finish();
  await stopping;
  expect(stopped).toBe(true);
  await vi.advanceTimersByTimeAsync(500);
  expect(runs).toBe(1);
});
