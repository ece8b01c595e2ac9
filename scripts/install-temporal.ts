/** `npm install` lifecycle step: provide the Temporal CLI and test server (see temporal-binaries.ts). */
import { installTemporalBinaries } from './temporal-binaries.js';

try {
  const found = installTemporalBinaries((line) => console.log(line));
  for (const [kind, bin] of Object.entries(found)) {
    console.log(`temporal: ${kind === 'cli' ? 'CLI        ' : 'test server'} ${bin.path} (from ${bin.source})`);
  }
} catch (err) {
  console.error(`\n${(err as Error).message}\n`);
  process.exit(1);
}
