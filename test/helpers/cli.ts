/**
 * The operator CLI (`node bin/refunds.mjs ...`) spawned for real against a test stack's Temporal
 * dev server and task queue, from a directory outside the repository: its exit code and output.
 */
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Stack } from './stack.js';

const BIN = fileURLToPath(new URL('../../bin/refunds.mjs', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI's path, for a test that runs it through another program (a pseudo-terminal's `script`). */
export const CLI_BIN = BIN;

/** Run one CLI command line to its end (killed after `timeoutMs`). */
export function runCli(s: Pick<Stack, 'address' | 'namespace' | 'taskQueue'>, args: string[], env: Record<string, string> = {}, timeoutMs = 100_000): Promise<CliRun> {
  return runWithStack(s, process.execPath, [BIN, ...args], env, timeoutMs);
}

/** Run any command with the stack's Temporal variables (as the CLI gets them) to its end. */
export function runWithStack(s: Pick<Stack, 'address' | 'namespace' | 'taskQueue'>, command: string, args: string[], env: Record<string, string> = {}, timeoutMs = 100_000): Promise<CliRun> {
  const child = spawn(command, args, {
    cwd: tmpdir(),
    env: { ...process.env, TEMPORAL_ADDRESS: s.address, TEMPORAL_NAMESPACE: s.namespace, TEMPORAL_TASK_QUEUE: s.taskQueue, REFUNDS_DEBUG: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}
