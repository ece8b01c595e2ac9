/**
 * One real Temporal dev server per test run, on free ports (two runs can share a machine),
 * in memory, headless. Its address reaches the tests through vitest's provide/inject.
 */
import type { TestProject } from 'vitest/node';
import { startDevServer, type DevServer } from '../../scripts/dev-server.js';

let server: DevServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  server = await startDevServer({ headless: true, logLevel: 'error' });
  project.provide('temporalAddress', server.address);
  project.provide('temporalNamespace', server.namespace);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalNamespace: string;
  }
}
