// Starts one PostgreSQL cluster for the whole server test run; each test file makes its own databases in it.
import type { TestProject } from 'vitest/node';
import { startPostgresCluster } from './postgresCluster.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const cluster = await startPostgresCluster();
  project.provide('postgresUrl', cluster.url);
  return () => cluster.stop();
}
