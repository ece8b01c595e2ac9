/**
 * Structured logs for the worker and the HTTP API: one JSON object per line
 * (`{"level","time","message","refundId","workflowId","provider",...}`) or, with
 * LOG_FORMAT=pretty, one readable line. Every line goes through a Redactor first: values under
 * credential or card keys, bearer tokens, the configured secrets, PAN-like and IBAN-like runs.
 * Implements Temporal's Logger, so it is also the Runtime logger (SDK, workflow and activity logs).
 */
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import { PROVIDERS } from '../domain/providers.js';
import { logSettings, type Env } from '../domain/config.js';
import { Redactor, defaultRedactor } from './redact.js';

export type LogFormat = 'json' | 'pretty';

const LEVELS: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };

export interface StructuredLoggerOptions {
  format?: LogFormat;
  /** Lowest level written (default INFO). */
  level?: LogLevel;
  redactor?: Redactor;
  /** Where lines go (default: stdout; WARN and ERROR to stderr). Gets the line without newline. */
  write?: (line: string, level: LogLevel) => void;
  /** Fields on every line, for example {service: 'worker'}. */
  base?: Record<string, unknown>;
  now?: () => Date;
}

/** The provider of an activity, from its type (secpaidSubmitRefund -> secpaid). */
function providerOf(meta: LogMetadata): string | undefined {
  if (typeof meta.provider === 'string') return meta.provider;
  const type = typeof meta.activityType === 'string' ? meta.activityType : undefined;
  return type ? PROVIDERS.find((p) => type.startsWith(p)) : undefined;
}

export class StructuredLogger implements Logger {
  private readonly format: LogFormat;
  private readonly min: number;
  private readonly redactor: Redactor;
  private readonly write: (line: string, level: LogLevel) => void;
  private readonly base: Record<string, unknown>;
  private readonly now: () => Date;

  constructor(options: StructuredLoggerOptions = {}) {
    this.format = options.format ?? 'json';
    this.min = LEVELS[options.level ?? 'INFO'];
    this.redactor = options.redactor ?? defaultRedactor;
    this.write =
      options.write ??
      ((line, level) => (LEVELS[level] >= LEVELS.WARN ? process.stderr : process.stdout).write(`${line}\n`));
    this.base = options.base ?? {};
    this.now = options.now ?? (() => new Date());
  }

  /** The object written for one entry (redacted). */
  entry(level: LogLevel, message: string, meta: LogMetadata = {}): Record<string, unknown> {
    const { workflowId, refundId, ...rest } = meta as Record<string, unknown>;
    const id = (refundId ?? workflowId) as string | undefined;
    const provider = providerOf(meta);
    const raw: Record<string, unknown> = {
      level,
      time: this.now().toISOString(),
      message,
      ...this.base,
      ...(id !== undefined ? { refundId: id, workflowId: workflowId ?? id } : {}),
      ...(provider ? { provider } : {}),
      ...rest,
    };
    return this.redactor.value(raw) as Record<string, unknown>;
  }

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    if (LEVELS[level] < this.min) return;
    const e = this.entry(level, message, meta);
    if (this.format === 'json') {
      this.write(JSON.stringify(e), level);
      return;
    }
    const { level: _l, time, message: msg, ...fields } = e;
    const extra = Object.entries(fields)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    this.write(`${String(time)} ${level.padEnd(5)} ${String(msg)}${extra ? ` ${extra}` : ''}`, level);
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/** LOG_FORMAT (json, the default, or pretty) and LOG_LEVEL (INFO) from the environment (domain/config.ts). */
export function logOptionsFromEnv(env: Env = process.env): { format: LogFormat; level: LogLevel } {
  return logSettings(env);
}

/** The process's logger from LOG_FORMAT / LOG_LEVEL, redacting `secrets` as well as the patterns. */
export function createLogger(env: Env, opts: { secrets?: string[]; base?: Record<string, unknown>; write?: (line: string) => void } = {}): StructuredLogger {
  const { format, level } = logOptionsFromEnv(env);
  return new StructuredLogger({ format, level, redactor: new Redactor({ secrets: opts.secrets ?? [] }), base: opts.base ?? {}, ...(opts.write ? { write: opts.write } : {}) });
}
