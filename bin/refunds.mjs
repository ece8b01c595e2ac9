#!/usr/bin/env node
// `npx refunds ...`: the operator CLI (client/cli.ts), run through tsx so no build step is needed.
// Paths are resolved from this file, so it works from any working directory.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
const { main } = await import(new URL('../client/cli.ts', import.meta.url).href);
process.exitCode = await main(process.argv.slice(2));
