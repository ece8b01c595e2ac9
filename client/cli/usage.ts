/**
 * Usage text and the flags each command accepts (parseArgs is given the union; a flag outside
 * its command's set is a usage error).
 */
import type { ParseArgsConfig } from 'node:util';

export const GLOBAL_FLAGS = ['json', 'help', 'address', 'namespace', 'task-queue'] as const;

export const OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  address: { type: 'string' },
  namespace: { type: 'string' },
  'task-queue': { type: 'string' },
  // create
  provider: { type: 'string' },
  amount: { type: 'string' },
  'amount-decimal': { type: 'string' },
  currency: { type: 'string' },
  key: { type: 'string' },
  'pay-id': { type: 'string' },
  'payment-id': { type: 'string' },
  'settled-at': { type: 'string' },
  'transaction-id': { type: 'string' },
  'reference-no': { type: 'string' },
  'original-amount': { type: 'string' },
  reason: { type: 'string' },
  account: { type: 'string' },
  metadata: { type: 'string', multiple: true },
  'json-body': { type: 'string' },
  file: { type: 'string' },
  // list
  status: { type: 'string' },
  limit: { type: 'string' },
  'page-token': { type: 'string' },
  overdue: { type: 'boolean' },
  'awaiting-approval': { type: 'boolean' },
  // actions
  operator: { type: 'string' },
  note: { type: 'string' },
  // bulk (14a)
  'dry-run': { type: 'boolean' },
  'allow-partial': { type: 'boolean' },
  concurrency: { type: 'string' },
  detach: { type: 'boolean' },
  out: { type: 'string' },
  // reconcile (14b)
  since: { type: 'string' },
  at: { type: 'string' },
  csv: { type: 'string' },
  // api-key
  name: { type: 'string' },
  role: { type: 'string' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export type FlagName = keyof typeof OPTIONS;

interface CommandSpec {
  /** Positional arguments (names, for usage errors). */
  args: string[];
  /** Fewer positionals accepted (the command checks them itself); default: all of `args`. */
  minArgs?: number;
  flags: FlagName[];
  usage: string;
}

export const COMMANDS: Record<string, CommandSpec> = {
  create: {
    args: [],
    flags: ['provider', 'amount', 'amount-decimal', 'currency', 'key', 'pay-id', 'payment-id', 'settled-at', 'transaction-id', 'reference-no', 'original-amount', 'reason', 'account', 'metadata', 'json-body', 'file'],
    usage: `refunds create --provider P --key KEY --currency C (--amount MINOR|full | --amount-decimal D)
               (--pay-id N | --payment-id ID [--settled-at ISO] | --transaction-id T --reference-no R)
               [--original-amount MINOR] [--reason TEXT] [--account NAME] [--metadata k=v ...]
refunds create --json-body '{...}' | --file request.json   (flags given as well override the body)
  Start a refund (or find the one KEY already started). Amounts are integer minor units
  (2500 = 25.00); --amount-decimal 25.00 converts exactly. --account: the merchant account
  (<PROVIDER>_ACCOUNTS; unset = default, docs/accounts.md). Providers and payment flags:
    secpaid     --pay-id N                          EUR
    linkmoney   --payment-id ID [--settled-at ISO]  USD
    openpayd    --transaction-id T --reference-no R EUR, USD, GBP, CHF
    reservepay  --payment-id ID                     THB`,
  },
  show: { args: ['ID'], flags: [], usage: 'refunds show ID\n  The whole state: status, why pending, next check, provider answers, every transition.' },
  list: {
    args: [],
    flags: ['status', 'provider', 'payment-id', 'account', 'limit', 'page-token', 'overdue', 'awaiting-approval'],
    usage: 'refunds list [--status S] [--provider P] [--payment-id ID] [--account NAME] [--overdue] [--awaiting-approval] [--limit N] [--page-token T]\n  Newest first, N per page (default 50); prints the token of the next page.\n  --overdue: only refunds past their expected-by date that are not final.\n  --awaiting-approval: only refunds awaiting four-eyes approval (RefundApproval = awaiting).\n  --account: only refunds of that merchant account (default includes refunds of before accounts).',
  },
  watch: {
    args: ['ID'],
    flags: [],
    usage: 'refunds watch ID\n  Print each transition as it happens until the refund is final (exit 0 approved/authorized,\n  1 rejected/failed/canceled); needs_attention is shown and watching goes on.',
  },
  approve: { args: ['ID'], flags: ['operator', 'note'], usage: "refunds approve ID [--operator O] [--note N]\n  Record SecPaid's admin review: approved (SecPaid refunds, once submitted; not four-eyes approval)." },
  reject: { args: ['ID'], flags: ['reason', 'operator'], usage: "refunds reject ID --reason R [--operator O]\n  Record SecPaid's admin review: rejected, with the reason from SecPaid's dashboard." },
  'four-eyes': {
    args: ['approve|refuse', 'ID'],
    flags: ['note', 'reason'],
    usage:
      "refunds four-eyes approve ID [--note N]     refunds four-eyes refuse ID --reason R\n  Four-eyes approval of a refund awaiting it (over its REFUNDS_APPROVAL_THRESHOLDS amount; not\n  SecPaid's review): approve lets it be submitted, refuse cancels it. You are REFUNDS_IDENTITY;\n  the refund's requester may not decide it (exit 3).",
  },
  cancel: { args: ['ID'], flags: ['note', 'operator'], usage: 'refunds cancel ID [--note N] [--operator O]\n  Cancel a refund not yet submitted to its provider.' },
  resolve: {
    args: ['ID'],
    flags: ['status', 'note', 'operator'],
    usage: 'refunds resolve ID --status approved|authorized|rejected|failed|canceled --note N [--operator O]\n  Settle a needs_attention refund with the outcome a person established.',
  },
  retry: {
    args: ['ID'],
    flags: ['note', 'operator'],
    usage:
      'refunds retry ID [--note N] [--operator O]\n  A new attempt (ID~retry-N) of a refund that ended failed or rejected and provably paid nothing\n  (a decline, an invalid request, Link Money TERMINAL_FAILED); the same attempt if retried before.\n  The requester recorded is REFUNDS_IDENTITY when set, else --operator.',
  },
  bulk: {
    args: ['SUBCOMMAND', 'FILE|ID'],
    flags: ['dry-run', 'allow-partial', 'concurrency', 'detach', 'out', 'note', 'operator'],
    usage: `refunds bulk create FILE [--dry-run] [--allow-partial] [--concurrency N] [--detach]
refunds bulk status ID [--detach]     refunds bulk results ID [--out FILE]
refunds bulk pause|resume|cancel ID [--note N] [--operator O]
  Bulk refunds from a CSV (with a header) or JSONL file, one refund request per row
  (docs/batch-format.md). Every row is validated first; any invalid row starts nothing unless
  --allow-partial. The batch runs in the worker: progress is followed until its refunds are
  final (Ctrl-C stops following, not the batch); status reattaches; results prints CSV.`,
  },
  reconcile: {
    args: ['[SUBCOMMAND]', '[ID]'],
    minArgs: 0,
    flags: ['since', 'provider', 'csv', 'detach', 'at', 'limit'],
    usage: `refunds reconcile [--since 2d] [--provider P,...] [--csv FILE|-] [--detach]
refunds reconcile schedule [--at HH:MM] [--since 2d]
refunds reconcile show ID [--csv FILE|-]     refunds reconcile list [--limit N]
  Compare each provider's records with our refunds of the window (docs/reconciliation.md): run
  now and follow its progress (Ctrl-C stops following, not the run), then the totals and every
  mismatch; --csv writes the mismatches as CSV. schedule creates the daily run (idempotent).`,
  },
  'api-key': {
    args: [],
    flags: ['name', 'role'],
    usage: 'refunds api-key --name N --role service|operator\n  A new HTTP API key (43 random characters) and its REFUNDS_API_KEYS entries (with the key, or\n  only its SHA-256). Connects to nothing.',
  },
  help: { args: [], flags: [], usage: 'refunds help [COMMAND]' },
};

export const USAGE = `refunds: operate refunds on Temporal

usage: refunds <command> [arguments] [--json] [--address HOST:PORT] [--namespace NS] [--task-queue Q]

commands:
${Object.entries(COMMANDS)
  .filter(([name]) => name !== 'help')
  .map(([, spec]) => spec.usage.replace(/^/gm, '  '))
  .join('\n\n')}

  refunds help [COMMAND]

global options:
  --json                 print one JSON document on stdout (errors too: {"error": {...}})
  --address HOST:PORT    Temporal frontend (default $TEMPORAL_ADDRESS or localhost:7233)
  --namespace NS         default $TEMPORAL_NAMESPACE or "default"
  --task-queue Q         where new refunds run (default $TEMPORAL_TASK_QUEUE or "refunds")
  TLS / API key come from TEMPORAL_TLS*, TEMPORAL_API_KEY; REFUNDS_DEBUG=1 prints stack traces.

exit codes: 0 ok, 1 refund ended badly (watch) or other failure, 2 usage or invalid request,
            3 action refused by the refund, 4 refund not found, 5 idempotency-key conflict
`;

export function commandUsage(command: string | undefined): string {
  const spec = command ? COMMANDS[command] : undefined;
  return spec ? `usage: ${spec.usage}\n\nrun \`refunds --help\` for every command and global option\n` : USAGE;
}
