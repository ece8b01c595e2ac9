/**
 * The workflow bundles `npm run build` ships in dist/workflow-bundle/, written by
 * bundleWorkflowCode from the compiled workflows, so a production worker (`node dist/worker/main.js`)
 * starts without webpack. Two variants: `plain`, and `opentelemetry` with the OpenTelemetry
 * workflow interceptors inside (a prebuilt bundle cannot get interceptors added at start, so a
 * worker with tracing on needs its own). A manifest holds the SDK version each was built with
 * and its SHA-256: a bundle built for another SDK than the installed one, or whose bytes changed,
 * is not used (the worker then bundles as it does from source). Running from source there is no
 * dist/workflow-bundle/ and nothing here applies (worker.ts prebuiltWorkflowBundle caches instead).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, type WorkerPlugin } from '@temporalio/worker';

export type BundleVariant = 'plain' | 'opentelemetry';

const req = createRequire(import.meta.url);

/** The module the OpenTelemetry plugin adds to a bundle (the plugin resolves the same file). */
export const OTEL_WORKFLOW_INTERCEPTORS = req.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

const INTERCEPTOR_MODULES: Record<BundleVariant, string[]> = { plain: [], opentelemetry: [OTEL_WORKFLOW_INTERCEPTORS] };

/** dist/workflow-bundle/ when this module runs as dist/worker/workflow-bundle.js. */
export const SHIPPED_BUNDLE_DIR = fileURLToPath(new URL('../workflow-bundle/', import.meta.url));

const MANIFEST = 'manifest.json';

interface ShippedManifest {
  format: 1;
  /** @temporalio/workflow version inside the bundles. */
  sdk: string;
  builtAt: string;
  bundles: Record<BundleVariant, { file: string; sha256: string }>;
}

const sha256 = (data: string): string => createHash('sha256').update(data).digest('hex');

function installedSdkVersion(): string {
  return (req('@temporalio/workflow/package.json') as { version: string }).version;
}

/** `npm run build`: both variants of the bundle of `workflowsPath` into `outDir` (+ manifest). */
export async function writeShippedBundles(workflowsPath: string, outDir: string, log: (line: string) => void = () => undefined): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const bundles = {} as ShippedManifest['bundles'];
  for (const variant of Object.keys(INTERCEPTOR_MODULES) as BundleVariant[]) {
    const t0 = Date.now();
    const { code } = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules: INTERCEPTOR_MODULES[variant], logger: new DefaultLogger('WARN') });
    const file = `${variant}.js`;
    writeFileSync(join(outDir, file), code);
    bundles[variant] = { file, sha256: sha256(code) };
    log(`workflow bundle ${variant}: ${join(outDir, file)} (${(code.length / 1e6).toFixed(1)} MB, ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
  const manifest: ShippedManifest = { format: 1, sdk: installedSdkVersion(), builtAt: new Date().toISOString(), bundles };
  writeFileSync(join(outDir, MANIFEST), JSON.stringify(manifest, null, 1) + '\n');
}

export interface ShippedBundle {
  bundle: { code: string };
  path: string;
  variant: BundleVariant;
  /**
   * For Worker.create's plugins, after the tracing plugin: drops the workflow interceptor modules
   * this bundle already contains from the options (the SDK would otherwise warn that it ignores
   * them, which is true but misleading: they are in the bundle).
   */
  plugin: WorkerPlugin;
}

/**
 * The shipped bundle of `variant`, or undefined when there is none (running from source) or it
 * cannot be used (`log` says why).
 */
export function shippedWorkflowBundle(variant: BundleVariant, log: (line: string) => void, dir = SHIPPED_BUNDLE_DIR): ShippedBundle | undefined {
  let manifest: ShippedManifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as ShippedManifest;
  } catch {
    return undefined;
  }
  const entry = manifest.format === 1 ? manifest.bundles?.[variant] : undefined;
  if (!entry) {
    log(`${join(dir, MANIFEST)} has no ${variant} workflow bundle: not using it`);
    return undefined;
  }
  const sdk = installedSdkVersion();
  if (manifest.sdk !== sdk) {
    log(`the shipped workflow bundle was built for @temporalio/workflow ${manifest.sdk}, ${sdk} is installed: not using it`);
    return undefined;
  }
  const path = join(dir, entry.file);
  let code: string;
  try {
    code = readFileSync(path, 'utf8');
  } catch (err) {
    log(`cannot read the shipped workflow bundle ${path} (${(err as Error).message}): not using it`);
    return undefined;
  }
  if (sha256(code) !== entry.sha256) {
    log(`the shipped workflow bundle ${path} does not match its manifest: not using it`);
    return undefined;
  }
  const bundled = new Set(INTERCEPTOR_MODULES[variant]);
  const plugin: WorkerPlugin = {
    name: 'refunds-shipped-workflow-bundle',
    configureWorker: (options) =>
      options.interceptors?.workflowModules ? { ...options, interceptors: { ...options.interceptors, workflowModules: options.interceptors.workflowModules.filter((m) => !bundled.has(m)) } } : options,
  };
  return { bundle: { code }, path, variant, plugin };
}
