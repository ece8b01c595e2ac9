/**
 * docker-compose.yml is for users with Docker; no engine runs here, so the file is validated
 * with Debian's docker-compose (installed by .ci/run). Without it the test is skipped locally
 * and fails in CI.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const hasCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;
const required = process.env.CI === 'true';

describe.skipIf(!hasCompose && !required)('docker-compose.yml', () => {
  const compose = (...args: string[]) =>
    execFileSync('docker-compose', ['-f', 'docker-compose.yml', ...args], { encoding: 'utf8', env: { ...process.env, COMPOSE_PROJECT_NAME: 'refunds', REFUNDS_API_TOKEN: 'compose-test-token' } });

  it('is valid for docker-compose', () => {
    expect(() => compose('config', '-q')).not.toThrow();
  });

  it('runs PostgreSQL, the Temporal server, the Temporal UI, and the worker and API built from the Dockerfile', () => {
    expect(compose('config', '--services').trim().split('\n').sort()).toEqual(['api', 'postgresql', 'temporal', 'temporal-ui', 'worker']);
    const resolved = compose('config');
    expect(resolved).toMatch(/worker:\n(?:.*\n)*?\s+build:/);
    expect(resolved).toContain('TEMPORAL_ADDRESS: temporal:7233');
    expect(resolved).toContain('POSTGRES_SEEDS: postgresql');
  });

  it('passes every provider variable of .env.example to the worker', () => {
    const vars = readFileSync('.env.example', 'utf8')
      .split('\n')
      .map((l) => /^(?:# )?((?:SECPAID|LINKMONEY|OPENPAYD|RESERVEPAY)_[A-Z_]+)=/.exec(l)?.[1])
      .filter((v): v is string => Boolean(v) && !/_(SCOPE|STATUS_PATH|API_VERSION)$/.test(v!));
    const worker = compose('config').split('worker:')[1] ?? '';
    for (const v of vars) expect(worker, v).toContain(`${v}:`);
  });
});
