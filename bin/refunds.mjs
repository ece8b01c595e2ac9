#!/usr/bin/env node
// `npx refunds ...`: the operator CLI (client/cli.ts). In a development install it runs the
// source through tsx, so no build step is needed; in a production install (no tsx) it runs the
// compiled dist/client/cli.js (`npm run build`). Paths are resolved from this file, so it works
// from any working directory.
import { fileURLToPath } from 'node:url';

let cli;
try {
  const { register } = await import('tsx/esm/api');
  register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
  cli = new URL('../client/cli.ts', import.meta.url);
} catch {
  cli = new URL('../dist/client/cli.js', import.meta.url);
}
const { main } = await import(cli.href);
process.exitCode = await main(process.argv.slice(2));
