/**
 * `npx refunds <command>`: the operator / backend CLI. Talks to Temporal directly through
 * RefundsClient (TEMPORAL_* from the environment; --address / --namespace / --task-queue
 * override). Launched by bin/refunds.mjs; `tsx client/cli.ts ...` works too.
 * Commands, output and exit codes: docs/cli.md.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isGrpcServiceError, ServiceError } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { dataConverter } from '../codec/data-converter.js';
import { REFUND_STATUSES, type RefundStatus } from '../domain/status.js';
import { PROVIDERS, type Provider } from '../domain/providers.js';
import { ACCOUNT_NAME, ACCOUNT_NAME_RULE } from '../domain/accounts.js';
import { RefundRequestError } from '../domain/refund.js';
import type { RefundState } from '../domain/state.js';
import { ConfigError } from '../domain/config.js';
import { RESOLUTIONS, type Resolution } from '../workflows/messages.js';
import { loadTemporalConfig, type TemporalConfig } from './connection.js';
import { RefundActionRejectedError, RefundConflictError, RefundNotFoundError } from './errors.js';
import { configuredExpectedBy } from './expected-by.js';
import { RefundsClient } from './refunds-client.js';
import { actionHygieneIssues } from './input-hygiene.js';
import { apiKeyText, newApiKey } from './cli/api-key.js';
import { buildCreateRequest, FIELD_FLAGS } from './cli/create-request.js';
import { EXIT, FieldError, TemporalUnreachableError, UsageError } from './cli/exit.js';
import { listTable, showState, statusText, transitionLine } from './cli/format.js';
import { COMMANDS, commandUsage, GLOBAL_FLAGS, OPTIONS, USAGE, type FlagName } from './cli/usage.js';
import { watchRefund } from './cli/watch.js';
import { bulkCommand } from './cli/bulk.js';
import { retryCommand } from './cli/retry.js';
import { reconcileCommand } from './cli/reconcile.js';
import { ReconciliationNotFoundError } from './reconciliation.js';
import { fourEyesCommand } from './cli/approval.js';
import { cliIdentity } from '../domain/config.js';

const CONNECT_TIMEOUT = '5s';

type Flags = Partial<Record<FlagName, string | boolean | string[]>>;

interface Io {
  out(text: string): void;
  err(text: string): void;
}

const processIo: Io = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

/** A command's result: a JSON document for --json, text for people. */
interface Output {
  json: unknown;
  text: string;
  exitCode?: number;
}

function str(flags: Flags, name: FlagName): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], flag: string, command: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}`, command);
  return value as T;
}

function required(flags: Flags, name: FlagName, command: string): string {
  const v = str(flags, name);
  if (v === undefined || v.trim() === '') throw new UsageError(`${command} needs --${name}`, command);
  return v;
}

function parse(argv: string[]): { command: string | undefined; args: string[]; flags: Flags } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    const command = argv.find((a) => !a.startsWith('-'));
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ''), command && COMMANDS[command] ? command : undefined);
  }
  const [command, ...args] = parsed.positionals;
  return { command, args, flags: parsed.values as Flags };
}

/** Flags outside the command's set, and the wrong number of arguments, are usage errors. */
function checkCommandLine(command: string, args: string[], flags: Flags): void {
  const spec = COMMANDS[command];
  if (!spec) throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  for (const name of Object.keys(flags)) {
    if (!(GLOBAL_FLAGS as readonly string[]).includes(name) && !spec.flags.includes(name as FlagName)) {
      throw new UsageError(`${command} does not take --${name}`, command);
    }
  }
  if (command === 'help') return;
  if (args.length < (spec.minArgs ?? spec.args.length)) throw new UsageError(`${command} needs ${spec.args.join(' ')}`, command);
  if (args.length > spec.args.length) throw new UsageError(`unexpected argument ${JSON.stringify(args[spec.args.length])}`, command);
}

function temporalConfig(flags: Flags, env: NodeJS.ProcessEnv): TemporalConfig {
  return loadTemporalConfig({
    ...env,
    ...(str(flags, 'address') !== undefined ? { TEMPORAL_ADDRESS: str(flags, 'address') } : {}),
    ...(str(flags, 'namespace') !== undefined ? { TEMPORAL_NAMESPACE: str(flags, 'namespace') } : {}),
    ...(str(flags, 'task-queue') !== undefined ? { TEMPORAL_TASK_QUEUE: str(flags, 'task-queue') } : {}),
  });
}

/** RefundsClient.connect, as the worker and the HTTP API connect (the same data converter: REFUNDS_ENCRYPTION_KEYS), with a shorter connect timeout: a CLI should fail fast. */
async function connect(config: TemporalConfig, converter: DataConverter | undefined): Promise<RefundsClient> {
  configuredExpectedBy(); // a bad REFUNDS_EXPECTED_BY is a configuration error (exit 2), not an unreachable Temporal
  try {
    return await RefundsClient.connect(config, converter, [], { connectTimeout: CONNECT_TIMEOUT });
  } catch (err) {
    const cause = err instanceof ServiceError && err.cause instanceof Error ? err.cause.message : err instanceof Error ? err.message : String(err);
    throw new TemporalUnreachableError(`cannot reach Temporal at ${config.address}: is \`npm start\` running? (${cause.split('\n')[0]})`, { cause: err });
  }
}

/** Operator free text without control or bidi characters (client/input-hygiene.ts), checked before connecting. */
function safeAction<T extends Record<string, unknown>>(command: string, input: T): T {
  const problem = actionHygieneIssues(input)[0];
  if (problem) throw new UsageError(`--${problem.path[0]!} ${problem.message.replace(/^\S+ /, '')}`, command);
  return input;
}

function actionOutput(verb: string, state: RefundState): Output {
  const last = state.transitions.at(-1);
  return {
    json: state,
    text: [`${verb} ${state.refundId}: now ${statusText(state.status, state.pendingReason)}`, ...(last ? [transitionLine(last)] : [])].join('\n'),
  };
}

async function run(command: string, args: string[], flags: Flags, config: TemporalConfig, converter: DataConverter | undefined, io: Io, json: boolean, env: NodeJS.ProcessEnv = process.env): Promise<Output> {
  // Everything that can be checked without Temporal is checked before connecting.
  const id = args[0] ?? '';
  let prepared: () => Promise<Output>;
  let refunds: RefundsClient | undefined;
  const client = async () => (refunds ??= await connect(config, converter));
  switch (command) {
    case 'create': {
      const request = buildCreateRequest(flags as Parameters<typeof buildCreateRequest>[0]);
      prepared = async () => {
        // The requester (four-eyes approval) is the CLI's REFUNDS_IDENTITY.
        const { refund, created } = await (await client()).create(request, { requester: cliIdentity(env) });
        return {
          json: { created, refund },
          text: [
            created ? `created ${refund.refundId}` : `already exists: ${refund.refundId} (this idempotency key started it before; nothing new was started)`,
            '',
            showState(refund),
            '',
            `follow it with: refunds watch ${refund.refundId}`,
          ].join('\n'),
        };
      };
      break;
    }
    case 'show':
      prepared = async () => {
        const state = await (await client()).get(id);
        return { json: state, text: showState(state) };
      };
      break;
    case 'list': {
      const limitText = str(flags, 'limit');
      if (limitText !== undefined && (!/^\d+$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > 1000)) {
        throw new UsageError(`--limit must be an integer from 1 to 1000; got ${JSON.stringify(limitText)}`, 'list');
      }
      const account = str(flags, 'account');
      if (account !== undefined && !ACCOUNT_NAME.test(account)) throw new UsageError(`--account must be ${ACCOUNT_NAME_RULE}; got ${JSON.stringify(account)}`, 'list');
      const filter = {
        ...(account !== undefined ? { accounts: [account] } : {}),
        status: oneOf<RefundStatus>(str(flags, 'status'), REFUND_STATUSES, '--status', 'list'),
        provider: oneOf<Provider>(str(flags, 'provider'), PROVIDERS, '--provider', 'list'),
        paymentId: str(flags, 'payment-id'),
        ...(flags.overdue === true ? { overdue: true } : {}),
        ...(flags['awaiting-approval'] === true ? { awaitingApproval: true } : {}),
        pageSize: limitText === undefined ? undefined : Number(limitText),
        pageToken: str(flags, 'page-token'),
      };
      prepared = async () => {
        const page = await (await client()).list(filter);
        const text = page.refunds.length === 0 ? 'no refunds' : listTable(page.refunds);
        return {
          json: { refunds: page.refunds, nextPageToken: page.nextPageToken ?? null },
          text: page.nextPageToken ? `${text}\n\nnext page: --page-token ${page.nextPageToken}` : text,
        };
      };
      break;
    }
    case 'watch':
      prepared = async () => {
        const rc = await client();
        const abort = new AbortController();
        const onSigint = () => abort.abort();
        process.once('SIGINT', onSigint);
        try {
          const { exitCode, state } = await watchRefund(rc, id, {
            out: io.out,
            progress: process.stderr.isTTY ? process.stderr : undefined,
            json,
            intervalMs: 1000,
            signal: abort.signal,
          });
          return { json: state ?? null, text: '', exitCode };
        } finally {
          process.removeListener('SIGINT', onSigint);
        }
      };
      break;
    case 'approve': {
      const input = safeAction('approve', { operator: str(flags, 'operator'), note: str(flags, 'note') });
      prepared = async () => actionOutput('approved', await (await client()).approve(id, input));
      break;
    }
    case 'reject': {
      const input = safeAction('reject', { reason: required(flags, 'reason', 'reject'), operator: str(flags, 'operator') });
      prepared = async () => actionOutput('rejected', await (await client()).reject(id, input));
      break;
    }
    case 'cancel': {
      const input = safeAction('cancel', { operator: str(flags, 'operator'), note: str(flags, 'note') });
      prepared = async () => actionOutput('canceled', await (await client()).cancel(id, input));
      break;
    }
    case 'resolve': {
      const status = oneOf<Resolution>(required(flags, 'status', 'resolve'), RESOLUTIONS, '--status', 'resolve')!;
      const input = safeAction('resolve', { status, note: required(flags, 'note', 'resolve'), operator: str(flags, 'operator') });
      prepared = async () => actionOutput('resolved', await (await client()).resolve(id, input));
      break;
    }
    case 'four-eyes': // four-eyes approval (13a; client/cli/approval.ts)
      prepared = fourEyesCommand(args, { note: str(flags, 'note'), reason: str(flags, 'reason') }, client, env);
      break;
    case 'retry': // linked retry (13b)
      // The requester is the CLI's REFUNDS_IDENTITY when set, else --operator (as for the other operator actions).
      prepared = retryCommand(id, safeAction('retry', { operator: cliIdentity(env) ?? str(flags, 'operator'), note: str(flags, 'note') }), client);
      break;
    case 'reconcile': // reconciliation (14b): client/cli/reconcile.ts checks its input before client() connects
      prepared = reconcileCommand(args, flags, client, { out: io.out, progress: io.err, json });
      break;
    case 'bulk':
      // Bulk refund batches (client/cli/bulk.ts): the file is checked before client() connects.
      prepared = async () => {
        const abort = new AbortController();
        const onSigint = () => abort.abort();
        process.once('SIGINT', onSigint);
        try {
          return await bulkCommand(args, flags, client, { out: io.out, err: io.err, progress: process.stderr, json, intervalMs: 1000, signal: abort.signal });
        } finally {
          process.removeListener('SIGINT', onSigint);
        }
      };
      break;
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
  try {
    return await prepared();
  } finally {
    await refunds?.close().catch(() => undefined);
  }
}

interface Failure {
  exitCode: number;
  code: string;
  message: string;
  /** Extra lines for people (field messages, usage). */
  detail?: string;
  usageOnStderr?: string;
  extra?: Record<string, unknown>;
}

function withFlags(issues: { path: string; message: string }[]) {
  return issues.map((i) => ({ ...i, ...(FIELD_FLAGS[i.path] ? { flag: FIELD_FLAGS[i.path] } : {}) }));
}

function classify(err: unknown, config: TemporalConfig | undefined): Failure {
  if (err instanceof UsageError) return { exitCode: EXIT.usage, code: 'usage', message: err.message, usageOnStderr: commandUsage(err.command) };
  if (err instanceof FieldError || err instanceof RefundRequestError) {
    const issues = withFlags(err.issues);
    return {
      exitCode: EXIT.usage,
      code: 'invalid_request',
      message: 'invalid refund request (nothing was started)',
      detail: issues.map((i) => `  ${i.path || 'request'}${i.flag ? ` (${i.flag})` : ''}: ${i.message}`).join('\n'),
      extra: { issues },
    };
  }
  if (err instanceof ConfigError) return { exitCode: EXIT.usage, code: 'config', message: `configuration: ${err.message}` };
  if (err instanceof RefundActionRejectedError) {
    return { exitCode: EXIT.refused, code: 'refused', message: err.message, extra: { refundId: err.refundId, action: err.action, reason: err.reason, kind: err.kind } };
  }
  if (err instanceof RefundNotFoundError) {
    const where = config ? ` (namespace ${config.namespace} at ${config.address})` : '';
    return { exitCode: EXIT.notFound, code: 'not_found', message: `${err.message}${where}`, extra: { refundId: err.refundId } };
  }
  if (err instanceof ReconciliationNotFoundError) return { exitCode: EXIT.notFound, code: 'not_found', message: err.message, extra: { reconciliationId: err.reconciliationId } };
  if (err instanceof RefundConflictError) {
    return { exitCode: EXIT.conflict, code: 'conflict', message: err.message, extra: { refundId: err.refundId, differences: err.differences } };
  }
  if (err instanceof TemporalUnreachableError) return { exitCode: EXIT.failed, code: 'unreachable', message: err.message };
  const grpc = isGrpcServiceError(err) ? err : err instanceof ServiceError && isGrpcServiceError(err.cause) ? err.cause : undefined;
  if (grpc && (grpc.code === 14 || grpc.code === 4) && config) {
    return { exitCode: EXIT.failed, code: 'unreachable', message: `lost the connection to Temporal at ${config.address}: ${grpc.details || grpc.message}` };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { exitCode: EXIT.failed, code: 'error', message: message.split('\n')[0] ?? message };
}

/** Runs one command line; returns the exit code. Never throws. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env, io: Io = processIo): Promise<number> {
  const json = argv.includes('--json');
  let config: TemporalConfig | undefined;
  try {
    const { command, args, flags } = parse(argv);
    if (command === undefined && !flags.help) throw new UsageError('no command given');
    if (command === undefined || command === 'help' || flags.help) {
      const topic = command === 'help' ? args[0] : command;
      if (topic !== undefined && !COMMANDS[topic]) throw new UsageError(`unknown command ${JSON.stringify(topic)}`);
      const text = topic ? commandUsage(topic) : USAGE;
      io.out(json ? JSON.stringify({ usage: text }, null, 2) : text);
      return EXIT.ok;
    }
    checkCommandLine(command, args, flags);
    if (command === 'api-key') {
      const k = newApiKey(str(flags, 'name'), str(flags, 'role'));
      io.out(json ? JSON.stringify(k, null, 2) : apiKeyText(k));
      return EXIT.ok;
    }
    config = temporalConfig(flags, env);
    const result = await run(command, args, flags, config, dataConverter(env), io, json, env);
    if (json) io.out(JSON.stringify(result.json, null, 2));
    else if (result.text) io.out(result.text);
    return result.exitCode ?? EXIT.ok;
  } catch (err) {
    const f = classify(err, config);
    if (json) io.out(JSON.stringify({ error: { code: f.code, exitCode: f.exitCode, message: f.message, ...f.extra } }, null, 2));
    io.err(`error: ${f.message}${f.detail ? `\n${f.detail}` : ''}`);
    if (f.usageOnStderr) io.err(`\n${f.usageOnStderr}`);
    if (env.REFUNDS_DEBUG === '1' && err instanceof Error && err.stack) io.err(err.stack);
    return f.exitCode;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2));
}
