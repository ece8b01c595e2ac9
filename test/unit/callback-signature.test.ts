/**
 * The callback signature (activities/callbacks.ts) against the receiver's check exactly as
 * docs/callbacks.md prints it (the snippet is taken from the page, compiled and run): both keys
 * of a rotation verify, the destination is covered, stale, tampered and foreign-key events do
 * not verify; and the failure kinds recorded for failed sends.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { DestinationRefusedError } from '../../activities/callback-dispatcher.js';
import { sendFailureKind, signCallback } from '../../activities/callbacks.js';

type Verify = (keys: Record<string, string>, myUrl: string, header: string, rawBody: string, maxAgeS?: number) => boolean;

/** The `verify` of docs/callbacks.md, compiled from the page. */
function docsVerify(): Verify {
  const page = readFileSync(new URL('../../docs/callbacks.md', import.meta.url), 'utf8');
  const snippet = [...page.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).find((code) => code.includes('function verify('));
  if (!snippet) throw new Error('docs/callbacks.md has no verify() snippet');
  const js = ts.transpileModule(`${snippet}\nmodule.exports = verify;`, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  const mod = { exports: {} as unknown };
  runInNewContext(js, { module: mod, exports: mod.exports, require: createRequire(import.meta.url), Buffer, Date, URL });
  return mod.exports as Verify;
}

describe('Refunds-Signature v2', () => {
  const verify = docsVerify();
  const url = 'https://receiver.example/hooks/refunds?tenant=7';
  const body = JSON.stringify({ id: 'refund-1:1', status: 'approved' });
  const now = Math.floor(Date.now() / 1000);
  const current = { id: 'k2026b', secret: 'current-secret-0123456789' };
  const previous = { id: 'k2026a', secret: 'previous-secret-0123456' };
  const header = signCallback([current, previous], now, url, body);

  it('carries the timestamp and one signature per active key, with its key id', () => {
    expect(header).toMatch(/^t=\d+,v2=k2026b:[0-9a-f]{64},v2=k2026a:[0-9a-f]{64}$/);
  });

  it('verifies with either key of a rotation, and not with an unknown one', () => {
    expect(verify({ k2026b: current.secret }, url, header, body)).toBe(true);
    expect(verify({ k2026a: previous.secret }, url, header, body)).toBe(true);
    expect(verify({ k2026b: 'guessed-secret-0000000' }, url, header, body)).toBe(false);
    expect(verify({ k9: current.secret }, url, header, body)).toBe(false);
  });

  it('covers the destination, the body and the time', () => {
    expect(verify({ k2026b: current.secret }, 'https://other.example/hooks/refunds?tenant=7', header, body)).toBe(false);
    expect(verify({ k2026b: current.secret }, 'https://receiver.example/hooks/refunds?tenant=8', header, body)).toBe(false);
    expect(verify({ k2026b: current.secret }, url, header, body.replace('approved', 'rejected'))).toBe(false);
    expect(verify({ k2026b: current.secret }, url, signCallback([current], now - 3600, url, body), body)).toBe(false);
    // The URL as the URL standard normalises it: the receiver may write its own URL either way.
    expect(verify({ k2026b: current.secret }, 'HTTPS://Receiver.Example:443/hooks/refunds?tenant=7', header, body)).toBe(true);
  });
});

describe('failure kinds of a send', () => {
  it.each([
    [new DestinationRefusedError('localhost', '127.0.0.1', '127.0.0.0/8 loopback'), 'refused'],
    [Object.assign(new TypeError('fetch failed'), { cause: new DestinationRefusedError('x', '10.0.0.1', 'private') }), 'refused'],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 'unreachable'],
    [new AggregateError([Object.assign(new Error('x'), { code: 'EHOSTUNREACH' })]), 'unreachable'],
    [Object.assign(new Error('getaddrinfo ENOTFOUND hooks.internal'), { code: 'ENOTFOUND' }), 'dns'],
    [Object.assign(new Error('Connect Timeout Error'), { code: 'UND_ERR_CONNECT_TIMEOUT' }), 'timeout'],
    [new DOMException('The operation was aborted due to timeout', 'TimeoutError'), 'timeout'],
    [Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), 'tls'],
    [new Error('something else'), 'network'],
  ])('%s -> %s', (err, kind) => {
    expect(sendFailureKind(err)).toBe(kind);
  });
});
