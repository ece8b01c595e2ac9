/**
 * Builds the refund worker: connection, activity dependencies (one HTTP pool, configuration,
 * token cache) and the workflow bundle. Used by worker/main.ts, the tests and the benchmarks.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { createDispatcher } from '../activities/http.js';
import { createCallbackDispatcher } from '../activities/callback-dispatcher.js';
import type { CallbackSigningKey } from '../activities/callbacks.js';
import type { Secret } from '../activities/secret.js';
import type { ProviderConfig } from '../activities/types.js';
import { connectionOptions, type TemporalConfig } from '../client/connection.js';
import type { WorkerTuning } from '../domain/config.js';
import { refundsNexusHandler } from '../nexus/handlers.js';

/** workflows/index.ts from source, dist/workflows/index.js when compiled (`npm run build`). */
export const WORKFLOWS_PATH = fileURLToPath(new URL(`../workflows/index.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url));

/**
 * Sticky cache size when WORKER_MAX_CACHED_WORKFLOWS is unset. The SDK's own default is sized
 * from the V8 heap limit (about 2,300 workflows on this 24 GiB machine), and every cached refund
 * holds about 1 MiB of the workflow thread's heap (its own copy of the workflow modules,
 * zod included), so a worker with thousands of refunds waiting grew to gigabytes. A waiting
 * refund needs no cache entry: when its timer fires or an operator acts, the worker replays its
 * short history (milliseconds; BENCHMARKS.md section 5). The cache only has to hold the refunds
 * in flight: at the default 40 concurrent workflow tasks and 50 refunds in flight in the bench,
 * 100 keeps them all (no eviction in the throughput run) and bounds the cache to ~100 MiB.
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 100;

export async function connectWorker(temporal: TemporalConfig): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(temporal));
}

export interface RefundWorkerOptions {
  connection: NativeConnection;
  temporal: Pick<TemporalConfig, 'namespace' | 'taskQueue'>;
  providers: ProviderConfig;
  /** Signs completion callbacks (REFUNDS_CALLBACK_SECRET, key id k1) unless `callbacks.keys` is given. */
  callbackSecret?: Secret;
  /** Completion callbacks: signing keys (current first), internal networks they may reach (none by default), deliveries at once. */
  callbacks?: { keys?: CallbackSigningKey[]; allowedNetworks?: string[]; maxConcurrent?: number };
  tuning?: Partial<WorkerTuning>;
  /** Pre-built bundle (tests build it once per file). */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Extra options (for example a shorter shutdown grace time in tests). */
  extra?: Partial<WorkerOptions>;
  /** Payload encryption (codec/data-converter.ts dataConverter(); the same as the clients'). */
  dataConverter?: WorkerOptions['dataConverter'];
}

export async function createRefundWorker(opts: RefundWorkerOptions): Promise<{ worker: Worker; close(): Promise<void> }> {
  const dispatcher = createDispatcher({ timeoutMs: opts.providers.requestTimeoutMs ?? 15_000 });
  // Callbacks have a pool of their own that refuses internal addresses (activities/callback-dispatcher.ts).
  const callbackDispatcher = createCallbackDispatcher({ allowedNetworks: opts.callbacks?.allowedNetworks ?? [] });
  const activities = createActivities({
    config: opts.providers,
    dispatcher,
    ...(opts.callbackSecret ? { callbackSecret: opts.callbackSecret } : {}),
    callbacks: {
      dispatcher: callbackDispatcher,
      ...(opts.callbacks?.keys ? { keys: opts.callbacks.keys } : {}),
      ...(opts.callbacks?.maxConcurrent ? { maxConcurrent: opts.callbacks.maxConcurrent } : {}),
    },
  });
  const worker = await Worker.create({
    connection: opts.connection,
    namespace: opts.temporal.namespace,
    taskQueue: opts.temporal.taskQueue,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities,
    // The Nexus service `refunds` (nexus/service.ts), for workflows of other namespaces.
    nexusServices: [refundsNexusHandler],
    ...(opts.dataConverter ? { dataConverter: opts.dataConverter } : {}),
    ...opts.tuning,
    maxCachedWorkflows: opts.tuning?.maxCachedWorkflows ?? DEFAULT_MAX_CACHED_WORKFLOWS,
    ...opts.extra,
  });
  return { worker, close: () => Promise.all([dispatcher.close(), callbackDispatcher.close()]).then(() => undefined) };
}

// ------------------------------------------------------------------ prebuilt workflow bundle
//
// Bundling the workflows with webpack inside the worker costs about 100-150 MiB of RSS that the
// process keeps afterwards (and ~10 s of start-up). Instead the worker loads a bundle built by a
// short-lived child process and cached in .data/workflow-bundles/ (or the OS temp dir when the
// project folder is read-only, as in the Docker image). Next to each bundle a manifest lists
// every source file webpack put into it (from the bundle's source map) with its SHA-256; the
// bundle is used only while every one of them is unchanged, so an edited workflow, domain module
// or dependency is never run from a stale bundle. The manifest also holds the bundle's own hash,
// checked after reading it (two workers building at once cannot mix a manifest and a bundle).

const PROJECT_DIR = fileURLToPath(new URL('..', import.meta.url));
const SDK_VERSION = (() => {
  try {
    return (JSON.parse(readFileSync(join(PROJECT_DIR, 'node_modules/@temporalio/worker/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
})();

interface BundleManifest {
  format: 1;
  sdk: string;
  workflowsPath: string;
  bundleSha256: string;
  /** Every real file in the bundle (source map `sources`) and its SHA-256. */
  sources: Record<string, string>;
  builtAt: string;
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

function fileSha256(path: string): string | undefined {
  try {
    return sha256(readFileSync(path));
  } catch {
    return undefined;
  }
}

/** Absolute paths of the files webpack put into a bundle (its inline source map's `sources`). */
export function bundleSources(code: string): string[] {
  const m = /\/\/# sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)\s*$/.exec(code);
  if (!m) throw new Error('workflow bundle has no inline source map');
  const map = JSON.parse(Buffer.from(m[1]!, 'base64').toString('utf8')) as { sources: string[] };
  return map.sources.filter((s) => s.startsWith('/') && existsSync(s) && statSync(s).isFile());
}

function bundleDirs(): string[] {
  return [join(PROJECT_DIR, '.data', 'workflow-bundles'), join(tmpdir(), `refund-workflow-bundles-${process.getuid?.() ?? 'user'}`)];
}

function writableDir(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true });
    const probe = join(dir, `.probe-${process.pid}`);
    writeFileSync(probe, '');
    unlinkSync(probe);
    return true;
  } catch {
    return false;
  }
}

function bundleName(workflowsPath: string): string {
  return `workflows-${sha256(`${PROJECT_DIR}\n${workflowsPath}\n${SDK_VERSION}\n${BUILD_SCRIPT}`).slice(0, 16)}`;
}

/** The cached bundle's code when it is still the one its sources make; undefined otherwise. */
function readFreshBundle(dir: string, name: string, workflowsPath: string): { code: string; manifest: BundleManifest } | undefined {
  let manifest: BundleManifest;
  let code: string;
  try {
    manifest = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as BundleManifest;
    if (manifest.format !== 1 || manifest.sdk !== SDK_VERSION || manifest.workflowsPath !== workflowsPath) return undefined;
    for (const [path, hash] of Object.entries(manifest.sources)) if (fileSha256(path) !== hash) return undefined;
    code = readFileSync(join(dir, `${name}.js`), 'utf8');
  } catch {
    return undefined;
  }
  return sha256(code) === manifest.bundleSha256 ? { code, manifest } : undefined;
}

/** The child's program: bundleWorkflowCode into argv[2]. Part of the cache key. */
const BUILD_SCRIPT = `
  import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
  const [workflowsPath, out] = process.argv.slice(1);
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  (await import('node:fs')).writeFileSync(out, code);
`;

/** Build the bundle in a child process (webpack's memory goes away with it) into dir/name.js + .json. */
async function buildBundleInChild(dir: string, name: string, workflowsPath: string, timeoutMs: number): Promise<void> {
  const tmp = join(dir, `${name}.js.tmp-${process.pid}`);
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', BUILD_SCRIPT, workflowsPath, tmp], { cwd: PROJECT_DIR, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err = (err + String(d)).slice(-4000)));
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(t);
      if (code === 0) resolve();
      else reject(new Error(`workflow bundler exited ${signal ?? code}: ${err.trim().split('\n').slice(-5).join(' | ')}`));
    });
  });
  try {
    const code = readFileSync(tmp, 'utf8');
    const sources: Record<string, string> = {};
    for (const path of bundleSources(code)) sources[path] = fileSha256(path)!;
    const manifest: BundleManifest = { format: 1, sdk: SDK_VERSION, workflowsPath, bundleSha256: sha256(code), sources, builtAt: new Date().toISOString() };
    renameSync(tmp, join(dir, `${name}.js`));
    const mtmp = join(dir, `${name}.json.tmp-${process.pid}`);
    writeFileSync(mtmp, JSON.stringify(manifest, null, 1));
    renameSync(mtmp, join(dir, `${name}.json`));
  } finally {
    if (existsSync(tmp)) unlinkSync(tmp);
  }
}

/** Delete leftovers of interrupted builds (temp files older than an hour). */
function pruneBundleDir(dir: string): void {
  try {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (f.includes('.tmp-') && Date.now() - statSync(p).mtimeMs > 3600_000) unlinkSync(p);
    }
  } catch {
    // best effort
  }
}

export interface PrebuiltBundle {
  /** For Worker.create({ workflowBundle }). */
  bundle: { code: string };
  path: string;
  /** true when this call built it (the sources had changed, or there was none). */
  built: boolean;
  sources: number;
}

/**
 * The workflow bundle for `workflowsPath`, from the cache when its sources are unchanged, else
 * built in a child process and cached. Undefined when no cache folder is writable or the build
 * fails: the caller then bundles in-process (`workflowsPath`), as the SDK does by default. Only
 * for the default bundler options (no plugins or workflow interceptor modules, no custom
 * payload/failure converter paths), which is what worker/main.ts uses unless tracing is on.
 */
export async function prebuiltWorkflowBundle(opts: { workflowsPath?: string; log?: (line: string) => void; timeoutMs?: number } = {}): Promise<PrebuiltBundle | undefined> {
  const workflowsPath = opts.workflowsPath ?? WORKFLOWS_PATH;
  const log = opts.log ?? (() => undefined);
  const name = bundleName(workflowsPath);
  for (const dir of bundleDirs()) {
    const fresh = readFreshBundle(dir, name, workflowsPath);
    if (fresh) return { bundle: { code: fresh.code }, path: join(dir, `${name}.js`), built: false, sources: Object.keys(fresh.manifest.sources).length };
  }
  const dir = bundleDirs().find(writableDir);
  if (!dir) {
    log('no writable folder for the workflow bundle cache: bundling in-process');
    return undefined;
  }
  pruneBundleDir(dir);
  const t0 = Date.now();
  // A source edited while webpack ran makes the new bundle stale at once: build again (twice at most).
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      await buildBundleInChild(dir, name, workflowsPath, opts.timeoutMs ?? 300_000);
    } catch (err) {
      log(`building the workflow bundle failed (${(err as Error).message}): bundling in-process`);
      return undefined;
    }
    const fresh = readFreshBundle(dir, name, workflowsPath);
    if (fresh) {
      log(`built the workflow bundle in ${((Date.now() - t0) / 1000).toFixed(1)} s (${Object.keys(fresh.manifest.sources).length} source files): ${join(dir, `${name}.js`)}`);
      return { bundle: { code: fresh.code }, path: join(dir, `${name}.js`), built: true, sources: Object.keys(fresh.manifest.sources).length };
    }
  }
  log('the workflow sources kept changing while the bundle was built: bundling in-process');
  return undefined;
}
