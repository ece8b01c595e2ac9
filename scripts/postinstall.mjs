// `npm install` lifecycle step (plain JavaScript, so it runs without tsx or any dev dependency).
// A development install has tsx: then scripts/install-temporal.ts provides the Temporal CLI and
// test server (scripts/temporal-binaries.ts). A production install (`npm ci --omit=dev`) has no
// tsx and needs neither binary (they serve `npm start` and the tests, which need the dev
// dependencies anyway): it says so and succeeds.
let register;
try {
  ({ register } = await import('tsx/esm/api'));
} catch {
  console.log('temporal: production install (no dev dependencies): the Temporal CLI and test server are for local runs and tests, not installed');
  process.exit(0);
}
register();
await import('./install-temporal.ts');
