/** Every request the sandbox received, newest last, with credentials redacted. */
import { redact } from './credentials.js';

export interface LoggedRequest {
  seq: number;
  /** Wall-clock time the request arrived. */
  time: string;
  /** Sandbox-clock time the request arrived. */
  sandboxTime: string;
  method: string;
  path: string;
  provider: string;
  route: string;
  /** HTTP status sent, or null when the socket was destroyed without an answer. */
  status: number | null;
  outcome: 'answered' | 'reset' | 'dropped_after_commit' | 'malformed';
  fault: string | null;
  /** The merchant account whose credentials the request carried (docs/accounts.md); null when none matched. */
  merchant: string | null;
  durationMs: number;
  body: unknown;
}

const MAX_ENTRIES = 5000;

/** Parsed (JSON or form) and redacted request body, for the log. */
export function loggableBody(raw: Buffer, contentType: string | undefined): unknown {
  const text = raw.toString('utf8');
  if (text === '') return null;
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  try {
    if (type === 'application/json') return redact(JSON.parse(text));
    if (type === 'application/x-www-form-urlencoded') return redact(Object.fromEntries(new URLSearchParams(text)));
  } catch {
    return `[unparseable ${text.length} bytes]`;
  }
  return `[${type || 'unknown'} ${raw.length} bytes]`;
}

export class RequestLog {
  private entries: LoggedRequest[] = [];
  private seq = 0;

  add(entry: Omit<LoggedRequest, 'seq'>): void {
    this.seq += 1;
    this.entries.push({ seq: this.seq, ...entry });
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
  }

  list(provider?: string, limit?: number): LoggedRequest[] {
    const list = provider ? this.entries.filter((e) => e.provider === provider) : this.entries;
    return limit ? list.slice(-limit) : [...list];
  }

  clear(): void {
    this.entries = [];
  }
}
