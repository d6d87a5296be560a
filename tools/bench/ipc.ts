// The benches' child processes (stand-in model, clients) answer over IPC.
import type { ChildProcess } from 'node:child_process';

/** The next message `child` sends (IPC); fails if it exits first. */
export function reply<T>(child: ChildProcess): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const exited = (code: number | null) => reject(new Error(`a bench process exited with ${code}`));
    child.once('exit', exited);
    child.once('message', (message) => {
      child.off('exit', exited);
      resolve(message as T);
    });
  });
}
