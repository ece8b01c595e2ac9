/**
 * docker-compose.yml and the Dockerfile are for users with Docker; no engine runs here, so the
 * compose file is resolved with Debian's docker-compose (`config`, installed by .ci/run) and the
 * resolved services are checked: maintained, pinned images at the local runs' Temporal versions,
 * the schema and namespace steps, nothing published but the API and the UI, on 127.0.0.1 unless
 * opted in, encryption keys required, traces to the collector. Without docker-compose the test is
 * skipped locally and fails in CI.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { requireTemporalBinary } from '../../scripts/temporal-binaries.js';

const hasCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;
const required = process.env.CI === 'true';

/** The variables compose refuses to start without (deploy/compose.env.example, .env.example). */
const REQUIRED_VARS = {
  POSTGRES_PASSWORD: 'compose-test-postgres',
  REFUNDS_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
  REFUNDS_CODEC_TOKEN: 'compose-test-codec-token',
};

/** The API's keys (or REFUNDS_API_TOKEN): checked by the API itself at start, which needs one of them. */
const API_KEYS = `billing:service:${'b'.repeat(32)},ops:operator:${'o'.repeat(32)}`;

/** Opt-in variables that must be unset for the "defaults" checks, whatever the caller's shell has. */
const OPT_INS = ['REFUNDS_API_BIND', 'TEMPORAL_UI_BIND', 'TEMPORAL_UI_DISABLE_WRITE_ACTIONS', 'REFUNDS_API_PUBLISHED_PORT', 'TEMPORAL_UI_PUBLISHED_PORT'];

function composeEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, COMPOSE_PROJECT_NAME: 'refunds', ...REQUIRED_VARS, REFUNDS_API_KEYS: API_KEYS };
  for (const v of OPT_INS) delete env[v];
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

function compose(args: string[], opts: { file?: string; env?: Record<string, string | undefined> } = {}): string {
  // --env-file: an empty one, not the developer's .env.
  return execFileSync('docker-compose', ['--env-file', emptyEnvFile, '-f', opts.file ?? composeFile, ...args], { encoding: 'utf8', env: composeEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
}

const composeFile = join(process.cwd(), 'docker-compose.yml');
const emptyDir = mkdtempSync(join(tmpdir(), 'compose-test-'));
const emptyEnvFile = join(emptyDir, 'empty.env');
writeFileSync(emptyEnvFile, '');
afterAll(() => rmSync(emptyDir, { recursive: true, force: true }));

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | null>;
  ports?: (string | { host_ip?: string; published?: string | number; target: string | number })[];
  depends_on?: Record<string, { condition: string }>;
  volumes?: (string | { source: string; target: string })[];
}

const resolved = (opts?: Parameters<typeof compose>[1]) => parse(compose(['config'], opts)) as { services: Record<string, Service> };

interface Published {
  service: string;
  hostIp: string;
  published: string;
  target: string;
}

/** Every published port of a resolved compose file (docker-compose v1 prints strings, v2 objects). */
function publishedPorts(services: Record<string, Service>): Published[] {
  const out: Published[] = [];
  for (const [service, s] of Object.entries(services)) {
    for (const p of s.ports ?? []) {
      if (typeof p === 'string') {
        const parts = p.replace(/\/(tcp|udp)$/, '').split(':');
        const target = parts.pop()!;
        const published = parts.pop() ?? '';
        out.push({ service, hostIp: parts.join(':') || '0.0.0.0', published, target });
      } else {
        out.push({ service, hostIp: p.host_ip || '0.0.0.0', published: String(p.published ?? ''), target: String(p.target) });
      }
    }
  }
  return out;
}

/** What a compose file must never do with its defaults: publish 7233, or bind anything but loopback. */
function portViolations(services: Record<string, Service>): string[] {
  return publishedPorts(services).flatMap((p) => [
    ...(p.target === '7233' || p.published === '7233' ? [`${p.service} publishes the Temporal frontend (7233)`] : []),
    ...(p.hostIp !== '127.0.0.1' ? [`${p.service} binds ${p.hostIp}:${p.published || p.target} (not 127.0.0.1)`] : []),
  ]);
}

describe.skipIf(!hasCompose && !required)('docker-compose.yml', () => {
  it('is valid for docker-compose', () => {
    expect(() => compose(['config', '-q'])).not.toThrow();
  });

  it.each(Object.keys(REQUIRED_VARS))('refuses to start without %s', (name) => {
    const r = spawnSync('docker-compose', ['--env-file', emptyEnvFile, '-f', composeFile, 'config', '-q'], { encoding: 'utf8', env: composeEnv({ [name]: undefined }) });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`set ${name} in .env`);
  });

  it('runs PostgreSQL, the schema step, the Temporal server, the namespace step, the UI, the worker, the API, the codec server and a collector', () => {
    expect(Object.keys(resolved().services).sort()).toEqual(['api', 'codec', 'otel-collector', 'postgresql', 'temporal', 'temporal-namespace', 'temporal-schema', 'temporal-ui', 'worker']);
  });

  it('uses maintained images, each pinned to a version, Temporal at the versions the local runs use', () => {
    const { services } = resolved();
    // The Temporal CLI of the local runs and tests: "temporal version 1.9.1 (Server 1.32.0, UI 2.54.1)".
    const version = execFileSync(requireTemporalBinary('cli'), ['--version'], { encoding: 'utf8' });
    const [, server, ui] = /Server (\d+\.\d+\.\d+), UI (\d+\.\d+\.\d+)/.exec(version) ?? [];
    expect(server, version).toBeTruthy();
    expect(services.temporal!.image).toBe(`temporalio/server:${server}`);
    expect(services['temporal-schema']!.image).toBe(`temporalio/admin-tools:${server}`);
    expect(services['temporal-namespace']!.image).toBe(`temporalio/admin-tools:${server}`);
    expect(services['temporal-ui']!.image).toBe(`temporalio/ui:${ui}`);
    for (const [name, s] of Object.entries(services).filter(([, s]) => !s.build)) {
      expect(s.image, name).toMatch(/^[a-z0-9./-]+:[0-9][A-Za-z0-9._-]*$/); // a version tag, not latest
      expect(s.image, name).not.toContain('auto-setup');
    }
  });

  it('sets up the schema with admin-tools before the server, and the namespace after it', () => {
    const { services } = resolved();
    expect(services.temporal!.depends_on).toEqual({ 'temporal-schema': { condition: 'service_completed_successfully' } });
    expect(services['temporal-namespace']!.depends_on).toEqual({ temporal: { condition: 'service_healthy' } });
    for (const s of ['worker', 'api']) expect(services[s]!.depends_on?.['temporal-namespace']).toEqual({ condition: 'service_completed_successfully' });
    for (const script of ['deploy/temporal-schema.sh', 'deploy/temporal-namespace.sh']) expect(spawnSync('sh', ['-n', script]).status, script).toBe(0);
    expect(readFileSync('deploy/temporal-schema.sh', 'utf8')).toMatch(/temporal-sql-tool[\s\S]*update-schema/);
  });

  it('publishes only the API and the UI, on 127.0.0.1, and never the Temporal frontend', () => {
    const { services } = resolved();
    expect(portViolations(services)).toEqual([]);
    expect(publishedPorts(services).map((p) => `${p.service} ${p.hostIp}:${p.published}->${p.target}`).sort()).toEqual(['api 127.0.0.1:8080->8080', 'temporal-ui 127.0.0.1:8233->8080']);
  });

  it('writes every published port with a host address (a variable defaulting to 127.0.0.1), never bare', () => {
    const raw = parse(readFileSync(composeFile, 'utf8')) as { services: Record<string, Service> };
    for (const [name, s] of Object.entries(raw.services)) {
      for (const p of s.ports ?? []) expect(p, name).toMatch(/^"?\$\{[A-Z_]+_BIND:-127\.0\.0\.1\}:/);
    }
  });

  it('binds all interfaces only when the operator opts in', () => {
    const { services } = resolved({ env: { REFUNDS_API_BIND: '0.0.0.0' } });
    expect(portViolations(services)).toEqual(['api binds 0.0.0.0:8080 (not 127.0.0.1)']);
  });

  it('the port check fails on a file that publishes 7233 or binds all interfaces', () => {
    const bad = join(emptyDir, 'bad-compose.yml');
    writeFileSync(bad, 'services:\n  temporal:\n    image: temporalio/server:1.32.0\n    ports: ["7233:7233"]\n  api:\n    image: x:1\n    ports: ["0.0.0.0:8080:8080", "127.0.0.1:9000:9000"]\n');
    expect(portViolations(resolved({ file: bad }).services).sort()).toEqual([
      'api binds 0.0.0.0:8080 (not 127.0.0.1)',
      'temporal binds 0.0.0.0:7233 (not 127.0.0.1)',
      'temporal publishes the Temporal frontend (7233)',
    ]);
  });

  it('keeps the Web UI read-only unless write actions are enabled', () => {
    expect(resolved().services['temporal-ui']!.environment!.TEMPORAL_DISABLE_WRITE_ACTIONS).toBe('true');
    expect(resolved({ env: { TEMPORAL_UI_DISABLE_WRITE_ACTIONS: 'false' } }).services['temporal-ui']!.environment!.TEMPORAL_DISABLE_WRITE_ACTIONS).toBe('false');
  });

  it('encrypts payloads: the worker, the API and the codec server get the same keys', () => {
    const { services } = resolved();
    for (const s of ['worker', 'api', 'codec']) expect(services[s]!.environment!.REFUNDS_ENCRYPTION_KEYS, s).toBe(REQUIRED_VARS.REFUNDS_ENCRYPTION_KEYS);
    expect(services.codec!.environment!.REFUNDS_CODEC_TOKEN).toBe(REQUIRED_VARS.REFUNDS_CODEC_TOKEN);
  });

  it('gives the API its keys and its token (the API refuses to start with neither)', () => {
    const api = resolved({ env: { REFUNDS_API_TOKEN: 'compose-test-token-0123456789abcdef' } }).services.api!.environment!;
    expect(api.REFUNDS_API_KEYS).toBe(API_KEYS);
    expect(api.REFUNDS_API_TOKEN).toBe('compose-test-token-0123456789abcdef');
  });

  it('builds the worker, the API and the codec server from the Dockerfile and runs node dist/... of real entry points', () => {
    const { services } = resolved();
    for (const s of ['worker', 'api', 'codec']) {
      const svc = services[s]!;
      expect(svc.build, s).toBeTruthy();
      expect(svc.command?.[0], s).toBe('node');
      // node flags first (the worker's heap limits, worker/heap.ts), then the entry point
      const entry = svc.command!.slice(1).find((a) => !a.startsWith('--'))!;
      expect(entry, s).toMatch(/^dist\/.+\.js$/);
      expect(existsSync(entry.replace(/^dist\//, '').replace(/\.js$/, '.ts')), `${entry} is compiled from a source file`).toBe(true);
    }
  });

  it('sends the worker and API traces over OTLP to the collector, which receives OTLP on that port', () => {
    const { services } = resolved();
    for (const s of ['worker', 'api']) expect(services[s]!.environment!.OTEL_EXPORTER_OTLP_ENDPOINT, s).toBe('http://otel-collector:4318');
    const config = parse(readFileSync('deploy/otel-collector.yaml', 'utf8')) as {
      receivers: { otlp: { protocols: { http: { endpoint: string } } } };
      service: { pipelines: { traces: { receivers: string[] } } };
    };
    expect(config.receivers.otlp.protocols.http.endpoint).toMatch(/:4318$/);
    expect(config.service.pipelines.traces.receivers).toContain('otlp');
    const mount = services['otel-collector']!.volumes!.map((v) => (typeof v === 'string' ? v : `${v.source}:${v.target}`)).join(' ');
    expect(mount).toContain('deploy/otel-collector.yaml:/etc/otelcol/config.yaml');
  });

  it('passes every provider and callback variable of .env.example to the worker', () => {
    const vars = readFileSync('.env.example', 'utf8')
      .split('\n')
      .map((l) => /^(?:# )?((?:SECPAID|LINKMONEY|OPENPAYD|RESERVEPAY|REFUNDS_CALLBACK)_[A-Z_]+)=/.exec(l)?.[1])
      .filter((v): v is string => Boolean(v) && !/_(SCOPE|STATUS_PATH|API_VERSION)$/.test(v!));
    const worker = resolved().services.worker!.environment!;
    for (const v of vars) expect(Object.keys(worker), v).toContain(v);
  });

  it('gives the API what it decides with at the start of a refund, and the worker the same accounts and expected-by spans', () => {
    const { services } = resolved();
    const accounts = ['SECPAID_ACCOUNTS', 'LINKMONEY_ACCOUNTS', 'OPENPAYD_ACCOUNTS', 'RESERVEPAY_ACCOUNTS'];
    const api = Object.keys(services.api!.environment!);
    for (const v of [...accounts, 'REFUNDS_APPROVAL_THRESHOLDS', 'REFUNDS_APPROVAL_TIMEOUT', 'REFUNDS_EXPECTED_BY']) expect(api, v).toContain(v);
    const worker = Object.keys(services.worker!.environment!);
    for (const v of [...accounts, 'REFUNDS_EXPECTED_BY', 'REFUNDS_RECONCILE_AT', 'REFUNDS_RECONCILE_WINDOW']) expect(worker, v).toContain(v);
    // No provider credential reaches the API.
    expect(api.filter((v) => /_(TOKEN|API_KEY|CLIENT_SECRET)$/.test(v) && !v.startsWith('REFUNDS_'))).toEqual([]);
  });
});

describe('Dockerfile', () => {
  const stages = readFileSync('Dockerfile', 'utf8').split(/^FROM /m).slice(1);
  const runtime = stages.at(-1)!;

  it('runs the compiled worker with plain node, from production dependencies only', () => {
    expect(runtime).toMatch(/^RUN npm ci --omit=dev --ignore-scripts\b/m);
    expect(runtime).toMatch(/^CMD \["node", ("--[a-z-]+=\d+", )*"dist\/worker\/main\.js"\]$/m);
    expect(runtime).not.toMatch(/tsx|\.ts\b/);
    expect(runtime).toMatch(/^COPY --from=\S+ \/app\/dist \.\/dist$/m);
  });

  it('builds dist/ with npm run build in a stage of its own, on pinned node images', () => {
    expect(stages[0]).toMatch(/^RUN npm run build$/m);
    for (const s of stages) expect(s).toMatch(/^node:\d+\.\d+\.\d+-bookworm-slim/);
  });
});
