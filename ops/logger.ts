/**
 * Structured logs for the worker, the HTTP API and the codec server, on pino: one JSON object
 * per line (`{"level","time","message","refundId","workflowId","provider",...}`) or, with
 * LOG_FORMAT=pretty, one readable line. Every line goes through a Redactor first, in pino's own
 * hooks (message and fields), so anything logged through `logger.pino` or a child of it (the
 * Fastify API's request logs) is redacted too: values under credential or card keys, credential
 * `key=value` forms, bearer tokens, the configured secrets and every Secret of the process,
 * PAN-like and IBAN-like runs (ops/redact.ts).
 *
 * StructuredLogger implements Temporal's Logger, so it is also the Runtime logger: the SDK's,
 * the workflows' and the activities' logs and Core's forwarded logs all land in the same pino.
 */
import { pino, symbols, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import { PROVIDERS } from '../domain/providers.js';
import { logSettings, type Env } from '../domain/config.js';
import { Redactor, defaultRedactor, secretsFromEnv } from './redact.js';

export type LogFormat = 'json' | 'pretty';

/** Temporal's levels as pino's (same names, pino's numbers). */
const PINO_LEVEL = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const satisfies Record<LogLevel, string>;
const FROM_PINO: Record<number, LogLevel> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'ERROR' };

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

/** The SDK's own timestamp of an entry (nanoseconds, bigint): @temporalio/worker's LogTimestamp, a registered symbol. */
const LOG_TIMESTAMP = Symbol.for('log_timestamp');

/** The provider of an activity, from its type (secpaidSubmitRefund -> secpaid). */
function providerOf(meta: LogMetadata): string | undefined {
  if (typeof meta.provider === 'string') return meta.provider;
  const type = typeof meta.activityType === 'string' ? meta.activityType : undefined;
  return type ? PROVIDERS.find((p) => type.startsWith(p)) : undefined;
}

/** Temporal's metadata in today's field shape: refundId (= workflow id) and workflowId, the provider. */
function fieldsOf(meta: LogMetadata = {}): Record<string, unknown> {
  const { workflowId, refundId, ...rest } = meta as Record<string, unknown>;
  const id = (refundId ?? workflowId) as string | undefined;
  const provider = providerOf(meta);
  return {
    ...(id !== undefined ? { refundId: id, workflowId: workflowId ?? id } : {}),
    ...(provider ? { provider } : {}),
    ...rest,
  };
}

/** One JSON line as a readable one: `<time> <LEVEL> <message> k=v ...`. */
function prettyLine(json: string): string {
  const { level, time, message, ...fields } = JSON.parse(json) as Record<string, unknown>;
  const extra = Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${String(time)} ${String(level).padEnd(5)} ${String(message)}${extra ? ` ${extra}` : ''}`;
}

export class StructuredLogger implements Logger {
  /** The pino logger underneath (for Fastify's `loggerInstance`, child loggers); same redaction. */
  readonly pino: PinoLogger;
  private readonly redactor: Redactor;
  private readonly now: () => Date;
  private readonly base: Record<string, unknown>;

  constructor(options: StructuredLoggerOptions = {}) {
    const format = options.format ?? 'json';
    const redactor = options.redactor ?? defaultRedactor;
    const write =
      options.write ??
      ((line: string, level: LogLevel) => (level === 'WARN' || level === 'ERROR' ? process.stderr : process.stdout).write(`${line}\n`));
    this.redactor = redactor;
    this.now = options.now ?? (() => new Date());
    this.base = redactor.value(options.base ?? {}) as Record<string, unknown>;
    const now = this.now;
    // pino tells a stream that asks for it the level of the line it is about to write.
    const destination: DestinationStream & { lastLevel: number; [symbols.needsMetadataGsym]: true } = {
      [symbols.needsMetadataGsym]: true,
      lastLevel: 30,
      write(line: string) {
        const text = line.endsWith('\n') ? line.slice(0, -1) : line;
        write(format === 'pretty' ? prettyLine(text) : text, FROM_PINO[this.lastLevel] ?? 'INFO');
      },
    };
    this.pino = pino(
      {
        level: PINO_LEVEL[options.level ?? 'INFO'],
        messageKey: 'message',
        base: this.base,
        // `time` is the entry's own: the SDK's timestamp when it has one (Core's logs reach the
        // Runtime logger buffered), else now.
        timestamp: false,
        mixin: () => ({ time: now().toISOString() }),
        formatters: {
          level: (label) => ({ level: label.toUpperCase() }),
          bindings: (bindings) => redactor.value(bindings) as Record<string, unknown>,
          log: (fields) => redactor.value(fields) as Record<string, unknown>,
        },
        hooks: {
          // The message (and any format arguments) redacted before pino formats it.
          logMethod(args, method) {
            method.apply(this, args.map((a) => (typeof a === 'string' ? redactor.text(a) : a)) as Parameters<typeof method>);
          },
        },
      },
      destination,
    );
  }

  /** The object written for one entry (redacted), as the JSON line has it. */
  entry(level: LogLevel, message: string, meta: LogMetadata = {}): Record<string, unknown> {
    return {
      level,
      time: this.now().toISOString(),
      ...this.base,
      ...(this.redactor.value(fieldsOf(meta)) as Record<string, unknown>),
      message: this.redactor.text(message),
    };
  }

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const fields = fieldsOf(meta);
    const at = (meta as Record<symbol, unknown> | undefined)?.[LOG_TIMESTAMP];
    if (typeof at === 'bigint') fields.time = new Date(Number(at / 1_000_000n)).toISOString();
    this.pino[PINO_LEVEL[level]](fields, message);
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

/**
 * The process's logger from LOG_FORMAT / LOG_LEVEL, redacting `secrets`, the values of every
 * credential-named variable in `env` (TEMPORAL_API_KEY, REFUNDS_API_TOKEN, ..._SECRET, ..._KEYS)
 * and every Secret of the process, as well as the patterns.
 */
export function createLogger(env: Env, opts: { secrets?: string[]; base?: Record<string, unknown>; write?: (line: string) => void } = {}): StructuredLogger {
  const { format, level } = logOptionsFromEnv(env);
  return new StructuredLogger({
    format,
    level,
    redactor: new Redactor({ secrets: [...(opts.secrets ?? []), ...secretsFromEnv(env)] }),
    base: opts.base ?? {},
    ...(opts.write ? { write: opts.write } : {}),
  });
}
