/**
 * `npm run build`: compiles the project with `tsc -p tsconfig.build.json` into dist/ (the source
 * layout mirrored: dist/worker, dist/client, dist/domain, ... with declaration files), then
 * writes the prebuilt workflow bundles into dist/workflow-bundle/ (worker/workflow-bundle.ts)
 * from the compiled workflows. The production commands run `node dist/...`.
 *
 *   npm run build                      # into dist/
 *   tsx scripts/build.ts --out-dir D   # into D (the production-install test builds elsewhere)
 *
 * The bundler resolves the workflows' packages from node_modules above the output folder.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeShippedBundles } from '../worker/workflow-bundle.js';
import { PROJECT_ROOT } from './temporal-binaries.js';

const { values } = parseArgs({ options: { 'out-dir': { type: 'string', default: join(PROJECT_ROOT, 'dist') } } });
const outDir = resolve(values['out-dir']!);
const t0 = Date.now();

rmSync(outDir, { recursive: true, force: true }); // no stale output of deleted sources
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', join(PROJECT_ROOT, 'tsconfig.build.json'), '--outDir', outDir], { stdio: 'inherit' });
if (compiled.status !== 0) {
  console.error(`build: tsc failed (exit ${compiled.status ?? compiled.signal})`);
  process.exit(1);
}
console.log(`build: compiled into ${outDir} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);

await writeShippedBundles(join(outDir, 'workflows', 'index.js'), join(outDir, 'workflow-bundle'), (line) => console.log(`build: ${line}`));
console.log(`build: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
