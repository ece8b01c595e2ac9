/**
 * The CLI refuses control and bidi characters in operator free text before it connects
 * (client/input-hygiene.ts): exit 2 and the flag named, with no Temporal to talk to.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../client/cli.js';

async function run(...argv: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  // An address nothing listens on: reaching it would be exit 1 (unreachable), not 2.
  const code = await main([...argv, '--address', '127.0.0.1:1'], { TEMPORAL_ADDRESS: '127.0.0.1:1' }, { out: () => undefined, err: (t) => (err += t) });
  return { code, err };
}

describe('refunds CLI: operator free text', () => {
  it.each([
    ['approve', ['--note', 'ok\u001b[2J']],
    ['approve', ['--operator', 'ops\u202e']],
    ['reject', ['--reason', 'line one\nline two']],
    ['cancel', ['--note', 'x\u0000']],
    ['resolve', ['--status', 'failed', '--note', '\u2066x']],
  ])('%s %j -> exit 2 before connecting', async (command, flags) => {
    const r = await run(command, 'refund-x', ...flags);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/must not contain control characters/);
    expect(r.err).toContain(`--${flags[flags.length - 2]!.replace(/^--/, '')}`);
  });

  it('plain text goes on to connect (and fails there: exit 1)', async () => {
    expect((await run('approve', 'refund-x', '--note', 'approved in the dashboard')).code).toBe(1);
  });
});
