/**
 * The reconciliation workflow's activities (workflows/reconciliation.ts): our refunds of a provider
 * in a window, read through the worker's own Temporal client (visibility by RefundProvider and
 * StartTime/CloseTime, then each refund's state); the provider's records of their payments, read
 * by the adapters' record readers (activities/<provider>/adapter.ts); and the flag that puts a
 * refund in needs_attention with the evidence. Each call is bounded (one page) and heartbeats.
 */
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers.js';
import { ApplicationFailure } from '@temporalio/common';
import { accountClause, DEFAULT_ACCOUNT, isDefaultAccount } from '../domain/accounts.js';
import { expectedAmount } from '../domain/amount.js';
import { WORKFLOW_TYPES } from '../domain/messages.js';
import type { Provider } from '../domain/providers.js';
import type { MismatchAction, OurRefundRecord, ProviderRefundRecord, ReconciliationFlagInput, ReconciliationWindow } from '../domain/reconciliation.js';
import { paymentKey } from '../domain/refund.js';
import type { RefundState } from '../domain/state.js';
import { isSucceeded, type RefundStatus } from '../domain/status.js';
import { getRefundQuery } from '../workflows/messages.js';
import { flagReconciliationUpdate } from '../workflows/reconciliation-messages.js';
import { RefundPaymentIdKey, RefundProviderKey, RefundStatusKey } from '../workflows/search-attributes.js';
import type { CallContext } from './context.js';
import type { Edge } from './refunds.js';
import type { PaymentToRead, ProviderRecordsReader } from './records.js';

const REFUNDS = `WorkflowType IN ('${WORKFLOW_TYPES.refund}', '${WORKFLOW_TYPES.refundV1}')`;
/** Our refunds per page: one page is one activity (its states read a few at a time). */
export const OUR_PAGE_SIZE = 100;
/** States read at once (queries of open refunds, results of closed ones). */
const STATE_READS_AT_ONCE = 8;

const quote = (v: string) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Our refunds of a provider on a task queue (one deployment: its worker's credentials) that concern the window: started or closed in it, or still open. */
export function windowQuery(provider: Provider, w: ReconciliationWindow, taskQueue: string): string {
  const inWindow = (field: string) => `(${field} >= ${quote(w.from)} AND ${field} < ${quote(w.to)})`;
  return `${REFUNDS} AND TaskQueue = ${quote(taskQueue)} AND RefundProvider = ${quote(provider)} AND (${inWindow('StartTime')} OR ${inWindow('CloseTime')} OR ExecutionStatus = 'Running')`;
}

export interface ListOurRefundsInput {
  provider: Provider;
  window: ReconciliationWindow;
  /** The deployment's task queue (the reconciliation's own). */
  taskQueue: string;
  pageToken?: string;
}
export interface OurRefundsPage {
  refunds: OurRefundRecord[];
  nextPageToken?: string;
}

export interface ReadProviderRecordsInput {
  provider: Provider;
  payments: PaymentToRead[];
}
export interface ProviderRecordsResult {
  records: ProviderRefundRecord[];
  /** Payments whose read the provider refused for good (unknown payment, ...): reported, not retried. */
  unreadable: { paymentKey: string; account?: string; message: string }[];
}

export interface FlagRefundInput {
  refundId: string;
  evidence: ReconciliationFlagInput;
}
export interface FlagRefundResult {
  action: MismatchAction;
  note?: string;
}

/** One refund's record from its visibility row and its state (undefined when the state cannot be read). */
export function ourRecord(info: Pick<WorkflowExecutionInfo, 'workflowId' | 'status' | 'startTime' | 'closeTime' | 'typedSearchAttributes'>, state: RefundState | undefined): OurRefundRecord | undefined {
  const status = (state?.status ?? info.typedSearchAttributes.get(RefundStatusKey)) as RefundStatus | undefined;
  if (!state || !status) return undefined;
  const request = state.request;
  const asked = expectedAmount(request);
  const amountMinor = isSucceeded(status) ? (state.provider.amountMinor ?? state.sent?.sendMinor ?? asked) : (asked ?? state.sent?.sendMinor);
  const flaggedBy = (state as RefundState & { reconciliation?: { reconciliationId: string } }).reconciliation?.reconciliationId;
  return {
    refundId: info.workflowId,
    provider: request.provider,
    paymentKey: paymentKey(request),
    payment: request.payment,
    ...(!isDefaultAccount(request.account) ? { account: request.account! } : {}),
    status,
    currency: request.currency,
    ...(amountMinor !== undefined ? { amountMinor } : {}),
    ...(state.provider.refundId ? { providerRefundId: state.provider.refundId } : {}),
    createdAt: state.createdAt ?? info.startTime.toISOString(),
    ...(info.closeTime ? { closedAt: info.closeTime.toISOString() } : {}),
    open: info.status.name === 'RUNNING',
    ...(flaggedBy ? { flaggedBy } : {}),
  };
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

export interface ReconciliationDeps {
  edge: Edge;
  /** The reader of a provider's records through a merchant account's credentials (undefined = the default account); undefined when that account is not configured here. */
  readerFor(provider: Provider, account: string | undefined): ProviderRecordsReader<Provider> | undefined;
  /** SecPaid's pay-in list through an account's token. */
  secpaidList(account: string | undefined, ctx: CallContext, input: { since: number; page: number }): Promise<{ records: ProviderRefundRecord[]; more: boolean }>;
  /** The SecPaid accounts this worker has credentials for ('default' first). */
  secpaidAccounts: string[];
  /** Default: the worker's client (Context.current().client). */
  client?: () => Client;
}

export function createReconciliationActivities(deps: ReconciliationDeps) {
  const client = deps.client ?? (() => Context.current().client);

  async function stateOf(c: Client, info: WorkflowExecutionInfo): Promise<RefundState | undefined> {
    const handle = c.workflow.getHandle(info.workflowId, info.runId);
    try {
      if (info.status.name === 'COMPLETED') return (await handle.result()) as RefundState;
      if (info.status.name === 'RUNNING') return await handle.query(getRefundQuery);
    } catch {
      // A refund whose state cannot be read now (its worker is busy): counted from visibility below.
    }
    return undefined;
  }

  /** Records of listed executions; one whose state cannot be read is kept from its search attributes. */
  async function records(c: Client, infos: WorkflowExecutionInfo[]): Promise<OurRefundRecord[]> {
    const out = await mapLimited(infos, STATE_READS_AT_ONCE, async (info) => {
      const r = ourRecord(info, await stateOf(c, info));
      heartbeat();
      return r ?? fromVisibility(info);
    });
    return out.filter((r): r is OurRefundRecord => r !== undefined);
  }

  return {
    /** One page of our refunds of a provider in the window, with each one's state. */
    async listOurRefunds(input: ListOurRefundsInput): Promise<OurRefundsPage> {
      const c = client();
      const res = await c.workflowService.listWorkflowExecutions({
        namespace: c.options.namespace,
        query: windowQuery(input.provider, input.window, input.taskQueue),
        pageSize: OUR_PAGE_SIZE,
        ...(input.pageToken ? { nextPageToken: Buffer.from(input.pageToken, 'base64url') } : {}),
      });
      const infos = await Promise.all((res.executions ?? []).map((raw) => decodeInfo(c, raw)));
      const refunds = await records(c, infos);
      const token = res.nextPageToken && res.nextPageToken.length > 0 ? Buffer.from(res.nextPageToken).toString('base64url') : undefined;
      return { refunds, ...(token ? { nextPageToken: token } : {}) };
    },

    /** Our refunds of these payments, at any time (a provider refund not matched in the window may be one of them). */
    async findOurRefundsOfPayments(input: { provider: Provider; taskQueue: string; account?: string; paymentKeys: string[] }): Promise<OurRefundRecord[]> {
      if (input.paymentKeys.length === 0) return [];
      const c = client();
      const q = `${REFUNDS} AND TaskQueue = ${quote(input.taskQueue)} AND RefundProvider = ${quote(input.provider)} AND RefundPaymentId IN (${input.paymentKeys.map(quote).join(', ')}) AND ${accountClause([input.account ?? DEFAULT_ACCOUNT])}`;
      const infos: WorkflowExecutionInfo[] = [];
      for await (const info of c.workflow.list({ query: q, pageSize: OUR_PAGE_SIZE })) {
        infos.push(info);
        if (infos.length >= 10 * OUR_PAGE_SIZE) break;
      }
      return records(c, infos);
    },

    /** The provider's refunds of these payments (one read each, heartbeating). */
    async readProviderRecords(input: ReadProviderRecordsInput): Promise<ProviderRecordsResult> {
      const result: ProviderRecordsResult = { records: [], unreadable: [] };
      for (const p of input.payments) {
        const account = p.account !== undefined ? { account: p.account } : {};
        const reader = deps.readerFor(input.provider, p.account);
        if (!reader) {
          result.unreadable.push({ paymentKey: p.paymentKey, ...account, message: `no credentials for merchant account ${p.account ?? DEFAULT_ACCOUNT} on this worker` });
          continue;
        }
        try {
          const records = await deps.edge(input.provider, 'read', (ctx) => reader.ofPayment(ctx, p), p.account);
          result.records.push(...records.map((r) => ({ ...r, ...account })));
        } catch (err) {
          // Retryable failures fail the activity (it is retried); a definite refusal is reported for that payment.
          if (!(err instanceof ApplicationFailure) || !err.nonRetryable) throw err;
          result.unreadable.push({ paymentKey: p.paymentKey, ...account, message: err.message });
        }
        heartbeat();
      }
      return result;
    },

    /** One page of an account's SecPaid pay-in list of the last `since` days: its Refund entries. */
    async listSecpaidRefunds(input: { account?: string; since: number; page: number }): Promise<{ records: ProviderRefundRecord[]; more: boolean }> {
      const page = await deps.edge('secpaid', 'read', (ctx) => deps.secpaidList(input.account, ctx, { since: input.since, page: input.page }), input.account);
      return input.account === undefined ? page : { ...page, records: page.records.map((r) => ({ ...r, account: input.account! })) };
    },

    /** The SecPaid accounts to sweep: undefined stands for the default account. */
    async secpaidAccounts(): Promise<(string | undefined)[]> {
      return deps.secpaidAccounts.map((a) => (isDefaultAccount(a) ? undefined : a));
    },

    /** Put a refund in needs_attention with the evidence (workflows/reconciliation-flag.ts). */
    async flagRefund(input: FlagRefundInput): Promise<FlagRefundResult> {
      const handle = client().workflow.getHandle(input.refundId);
      try {
        const state = await handle.executeUpdate(flagReconciliationUpdate, { args: [input.evidence] });
        const already = (state as RefundState & { reconciliation?: { reconciliationId: string } }).reconciliation?.reconciliationId !== input.evidence.reconciliationId;
        return already ? { action: 'already_flagged', note: 'flagged by an earlier reconciliation with this evidence' } : { action: 'flagged' };
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError) return { action: 'flag_failed', note: err.cause?.message ?? err.message };
        if (err instanceof WorkflowNotFoundError || (err instanceof Error && /already completed|not found/i.test(err.message))) {
          return { action: 'report_only', note: 'the refund has closed: a final status never changes; see docs/reconciliation.md' };
        }
        throw err;
      }
    },
  };
}

function heartbeat(): void {
  try {
    Context.current().heartbeat();
  } catch {
    // outside an activity (unit use)
  }
}

/** A refund whose state could not be read: its search attributes only (no provider id, so never matched by id). */
function fromVisibility(info: WorkflowExecutionInfo): OurRefundRecord | undefined {
  const status = info.typedSearchAttributes.get(RefundStatusKey) as RefundStatus | undefined;
  const provider = info.typedSearchAttributes.get(RefundProviderKey) as Provider | undefined;
  const key = info.typedSearchAttributes.get(RefundPaymentIdKey);
  const request = info.memo?.request as RefundState['request'] | undefined;
  if (!status || !provider || !key || !request) return undefined;
  return ourRecord(info, { request, status, provider: {}, createdAt: info.startTime.toISOString() } as unknown as RefundState);
}

type RawInfo = NonNullable<Awaited<ReturnType<Client['workflowService']['listWorkflowExecutions']>>['executions']>[number];

/** The SDK's own decoding of a raw visibility row (memo through the client's data converter). */
function decodeInfo(c: Client, raw: RawInfo): Promise<WorkflowExecutionInfo> {
  return executionInfoFromRaw(raw, c.options.loadedDataConverter, raw, c.options.namespace) as Promise<WorkflowExecutionInfo>;
}

export type ReconciliationActivities = ReturnType<typeof createReconciliationActivities>;
