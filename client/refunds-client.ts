/**
 * RefundsClient: the library every way in (HTTP API, CLI, backend services in TypeScript) uses
 * to start refunds and talk to them. Requests are validated before anything starts.
 */
import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type ClientPlugin,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure, type DataConverter, type Duration } from '@temporalio/common';
import { dataConverter } from '../codec/data-converter.js';
import { nextCheckAfter } from '../domain/schedule.js';
import { WORKFLOW_TYPES } from '../domain/messages.js';
import { accountClause } from '../domain/accounts.js';
import { accountNames, type AccountNames } from '../domain/config.js';
import type { ExpectedByRules } from '../domain/expected-by.js';
import type { RefundRequest } from '../domain/refund.js';
import { initialRefundState, type OperatorInput, type RefundState } from '../domain/state.js';
import type { GrantApprovalInput, RefuseApprovalInput, ApprovalPolicy } from '../domain/approval.js';
import { approvalSettings } from '../domain/config.js';
import { approvalAtStart, withApproval } from './approval.js';
import { isFinalStatus, type RefundStatus } from '../domain/status.js';
import type { Provider } from '../domain/providers.js';
import {
  approveRefundUpdate,
  cancelRefundUpdate,
  getRefundQuery,
  grantApprovalUpdate,
  OPERATOR_ERROR_TYPES,
  refuseApprovalUpdate,
  rejectRefundUpdate,
  resolveRefundUpdate,
  type RejectInput,
  type ResolveInput,
} from '../workflows/messages.js';
import { connectionOptions, loadTemporalConfig, type TemporalConfig } from './connection.js';
import { decodeRow, type RefundSummaryRow } from './decode.js';
import { configuredExpectedBy, expectedByAtStart, overdueClause } from './expected-by.js';
import { RefundActionRejectedError, RefundConflictError, RefundNotFoundError } from './errors.js';
import { retryRefund, withRetriedBy, type RetryInput, type RetryResult } from './retry.js';
import { REFUND_WORKFLOW_TYPE, refundStartOptions, requestDifferences, validRefundRequest, type BatchRowRef, type RefundWorkflow } from './refund-start.js';

export type { RefundSummaryRow };

export interface ListFilter {
  status?: RefundStatus;
  provider?: Provider;
  paymentId?: string;
  createdAfter?: Date;
  createdBefore?: Date;
  /** Only refunds awaiting four-eyes approval (RefundApproval = awaiting). */
  awaitingApproval?: boolean;
  /** Only refunds of these merchant accounts (RefundAccount; `default` includes refunds of before accounts). */
  accounts?: readonly string[];
  /** Only the late ones: past their expectedBy and not final (client/expected-by.ts). */
  overdue?: boolean;
  /** The time `overdue` is judged at (default: now). */
  asOf?: Date;
  /** Rows per page (default 50, at most 1000). */
  pageSize?: number;
  /** From a previous page's nextPageToken. */
  pageToken?: string;
}

export interface CreateResult {
  refund: RefundState;
  /** false when the idempotency key had already started this refund. */
  created: boolean;
}

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The visibility query for a filter; values are quoted, never interpolated raw. */
/** The one query that lists refunds only (no payment locks or ledgers): also the Web UI's saved view. */
export const REFUNDS_ONLY_QUERY = `WorkflowType IN ('${WORKFLOW_TYPES.refund}', '${WORKFLOW_TYPES.refundV1}')`;

export function listQuery(filter: ListFilter): string {
  // Both refund workflow types: refunds started before the redesign still run on the frozen v1 type.
  const parts = [REFUNDS_ONLY_QUERY];
  if (filter.status) parts.push(`RefundStatus = ${quote(filter.status)}`);
  if (filter.provider) parts.push(`RefundProvider = ${quote(filter.provider)}`);
  if (filter.paymentId) parts.push(`RefundPaymentId = ${quote(filter.paymentId)}`);
  if (filter.createdAfter) parts.push(`StartTime >= ${quote(filter.createdAfter.toISOString())}`);
  if (filter.createdBefore) parts.push(`StartTime < ${quote(filter.createdBefore.toISOString())}`);
  if (filter.awaitingApproval) parts.push(`RefundApproval = 'awaiting'`);
  if (filter.accounts) parts.push(accountClause(filter.accounts));
  if (filter.overdue) parts.push(overdueClause(filter.asOf ?? new Date()));
  return parts.join(' AND ');
}

/** Adds the expected time of the next provider check, computed from the polling schedule. */
export function withNextCheck(state: RefundState, now = new Date()): RefundState {
  if (!state.polling || isFinalStatus(state.status)) return state;
  const next = nextCheckAfter(state.polling.schedule, Date.parse(state.polling.since), now.getTime());
  return next === undefined ? state : { ...state, nextCheckAt: new Date(next).toISOString() };
}

/** Why an action on a closed refund was refused. */
const FINAL_ALREADY = 'the refund has already reached its final status';

export class RefundsClient {
  constructor(
    readonly client: Client,
    readonly taskQueue: string,
    /** When each provider's refunds are expected to be final (REFUNDS_EXPECTED_BY, validated here: at start). */
    readonly expectedBy: ExpectedByRules = configuredExpectedBy(),
  ) {}

  /**
   * The named merchant accounts of each provider (<PROVIDER>_ACCOUNTS, docs/accounts.md): a
   * request naming another account is refused before anything starts. From the environment unless set.
   */
  accounts: AccountNames = accountNames(process.env);

  /**
   * Four-eyes approval (REFUNDS_APPROVAL_THRESHOLDS, REFUNDS_APPROVAL_TIMEOUT; README "Four-eyes
   * approval"): a refund that reaches a threshold starts awaiting approval. From the environment unless set.
   */
  approval: ApprovalPolicy = approvalSettings(process.env);

  /**
   * Connect from the environment (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TLS / API key). Every way
   * in (HTTP API, CLI, services) connects here, so all use the worker's data converter.
   * `connectTimeout` (the SDK's default is 10 s): how long to wait for Temporal before failing.
   */
  static async connect(
    config: TemporalConfig = loadTemporalConfig(),
    converter: DataConverter | undefined = dataConverter(),
    plugins: ClientPlugin[] = [],
    options: { connectTimeout?: Duration } = {},
  ): Promise<RefundsClient> {
    const connection = await Connection.connect({ ...connectionOptions(config), ...(options.connectTimeout !== undefined ? { connectTimeout: options.connectTimeout } : {}) });
    // REFUNDS_ENCRYPTION_KEYS set: payloads encrypted like the worker's (codec/data-converter.ts).
    return new RefundsClient(new Client({ connection, namespace: config.namespace, plugins, ...(converter ? { dataConverter: converter } : {}) }), config.taskQueue);
  }

  async close(): Promise<void> {
    await this.client.connection.close();
  }

  private handle(refundId: string): WorkflowHandle<RefundWorkflow> {
    return this.client.workflow.getHandle<RefundWorkflow>(refundId);
  }

  /**
   * Start a refund, or find the one its idempotency key started. Invalid input throws
   * RefundRequestError and starts nothing; the same key with a different request throws
   * RefundConflictError. `batch`: the bulk batch row that starts it (activities/batch.ts).
   */
  async create(input: unknown, opts: { batch?: BatchRowRef; requester?: string } = {}): Promise<CreateResult> {
    // The schema, then free text and idempotency keys (client/refund-start.ts; the Nexus createRefund too).
    const request = validRefundRequest(input, this.accounts);
    // A bulk batch's row (activities/batch.ts) is marked with its batch: RefundBatchId lists them.
    const startedAt = new Date();
    // Four-eyes approval when it reaches a threshold (client/approval.ts); `requester`: the API key's name, the CLI's REFUNDS_IDENTITY.
    const approval = approvalAtStart(request, this.approval, opts.requester);
    const options = withApproval(refundStartOptions(request, opts.batch, expectedByAtStart(request, this.expectedBy, startedAt)), approval);
    const refundId = options.workflowId;
    let created = true;
    try {
      await this.client.workflow.start<RefundWorkflow>(REFUND_WORKFLOW_TYPE, { taskQueue: this.taskQueue, ...options });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      created = false;
    }
    if (!created) {
      const existing = (await this.handle(refundId).describe()).memo?.request as RefundRequest | undefined;
      const diff = existing ? requestDifferences(existing, request) : ['request'];
      if (diff.length > 0) throw new RefundConflictError(refundId, diff);
    }
    // A new refund's state is known without asking the worker (a query would wait for it).
    if (created) return { refund: { ...initialRefundState(refundId, request, startedAt.toISOString(), undefined, approval), expectedBy: options.args[0].expectedBy.at }, created };
    return { refund: await this.get(refundId), created };
  }

  /** The refund's whole current state. */
  async get(refundId: string): Promise<RefundState> {
    const handle = this.handle(refundId);
    try {
      const desc = await handle.describe();
      // Only refunds (of either workflow type) are refunds: a payment lock or anything else is not found.
      if (desc.type !== WORKFLOW_TYPES.refund && desc.type !== WORKFLOW_TYPES.refundV1) throw new RefundNotFoundError(refundId);
      // A closed refund's final state is its result: no worker is needed to read it.
      // A failed or rejected refund shows the attempt that retries it (client/retry.ts).
      if (desc.status.name === 'COMPLETED') return await withRetriedBy(this.client, await handle.result());
      return await withRetriedBy(this.client, withNextCheck(await handle.query(getRefundQuery)));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new RefundNotFoundError(refundId);
      throw err;
    }
  }

  /** Wait until the refund reaches a final status (approved, authorized, rejected, failed, canceled). */
  async waitForFinal(refundId: string): Promise<RefundState> {
    try {
      return await this.handle(refundId).result();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new RefundNotFoundError(refundId);
      throw err;
    }
  }

  async list(filter: ListFilter = {}): Promise<{ refunds: RefundSummaryRow[]; nextPageToken?: string }> {
    const pageSize = Math.min(Math.max(filter.pageSize ?? 50, 1), 1000);
    const res = await this.client.workflowService.listWorkflowExecutions({
      namespace: this.client.options.namespace,
      query: listQuery(filter),
      pageSize,
      ...(filter.pageToken ? { nextPageToken: Buffer.from(filter.pageToken, 'base64url') } : {}),
    });
    const refunds = (res.executions ?? []).map(decodeRow);
    const token = res.nextPageToken && res.nextPageToken.length > 0 ? Buffer.from(res.nextPageToken).toString('base64url') : undefined;
    return { refunds, ...(token ? { nextPageToken: token } : {}) };
  }

  /**
   * Linked retry (client/retry.ts): a new attempt of a refund that ended failed or rejected and
   * provably paid nothing (domain/retry.ts); the same attempt when it was retried before.
   */
  retry(refundId: string, input: RetryInput = {}): Promise<RetryResult> {
    return retryRefund(
      {
        client: this.client,
        taskQueue: this.taskQueue,
        get: (id) => this.get(id),
        startOptions: (request, requester) => withApproval(refundStartOptions(request, undefined, expectedByAtStart(request, this.expectedBy, new Date())), approvalAtStart(request, this.approval, requester)),
      },
      refundId,
      input,
    );
  }

  approve(refundId: string, input: OperatorInput = {}): Promise<RefundState> {
    return this.act(refundId, 'approve', () => this.handle(refundId).executeUpdate(approveRefundUpdate, { args: [input] }));
  }

  reject(refundId: string, input: RejectInput): Promise<RefundState> {
    return this.act(refundId, 'reject', () => this.handle(refundId).executeUpdate(rejectRefundUpdate, { args: [input] }));
  }

  cancel(refundId: string, input: OperatorInput = {}): Promise<RefundState> {
    return this.act(refundId, 'cancel', () => this.handle(refundId).executeUpdate(cancelRefundUpdate, { args: [input] }));
  }

  resolve(refundId: string, input: ResolveInput): Promise<RefundState> {
    return this.act(refundId, 'resolve', () => this.handle(refundId).executeUpdate(resolveRefundUpdate, { args: [input] }));
  }

  /** Four-eyes approval (not SecPaid's review): `approver` is who decides (the API key's name, REFUNDS_IDENTITY); never the requester. */
  grantApproval(refundId: string, input: GrantApprovalInput): Promise<RefundState> {
    return this.decideApproval(refundId, 'grant approval', () => this.handle(refundId).executeUpdate(grantApprovalUpdate, { args: [input] }));
  }

  /** Four-eyes approval refused, with the reason: the refund ends canceled. */
  refuseApproval(refundId: string, input: RefuseApprovalInput): Promise<RefundState> {
    return this.decideApproval(refundId, 'refuse approval', () => this.handle(refundId).executeUpdate(refuseApprovalUpdate, { args: [input] }));
  }

  /** A decision on a refund that has ended (approval expired, refused, canceled) says what became of its approval. */
  private async decideApproval(refundId: string, action: string, run: () => Promise<RefundState>): Promise<RefundState> {
    try {
      return await this.act(refundId, action, run);
    } catch (err) {
      if (!(err instanceof RefundActionRejectedError) || err.reason !== FINAL_ALREADY) throw err;
      const state = await this.get(refundId).catch(() => undefined);
      const a = state?.approval;
      if (!state || !a) throw new RefundActionRejectedError(refundId, action, `this refund needs no four-eyes approval, and it is already ${state?.status ?? 'final'}`, 'not_allowed');
      const why =
        a.state === 'granted' || a.state === 'refused'
          ? `four-eyes approval was already ${a.state} by ${a.decidedBy} at ${a.decidedAt}; the refund is ${state.status}`
          : a.state === 'expired'
            ? `four-eyes approval expired at ${a.decidedAt}: nobody decided by its deadline, and the refund was canceled`
            : `the refund is already ${state.status}; its four-eyes approval was not decided`;
      throw new RefundActionRejectedError(refundId, action, why, 'not_allowed');
    }
  }

  private async act(refundId: string, action: string, run: () => Promise<RefundState>): Promise<RefundState> {
    try {
      return withNextCheck(await run());
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        // Temporal answers NotFound to an update sent to a closed workflow: tell the two apart.
        const closed = await this.handle(refundId)
          .describe()
          .then((d) => d.status.name !== 'RUNNING')
          .catch(() => false);
        if (closed) throw new RefundActionRejectedError(refundId, action, FINAL_ALREADY, 'not_allowed');
        throw new RefundNotFoundError(refundId);
      }
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
        const kind = err.cause.type === OPERATOR_ERROR_TYPES.invalidInput ? 'invalid_input' : err.cause.type === OPERATOR_ERROR_TYPES.forbidden ? 'forbidden' : 'not_allowed';
        throw new RefundActionRejectedError(refundId, action, err.cause.message, kind);
      }
      // An update sent to a refund that has already finished.
      if (err instanceof Error && /workflow execution already completed/i.test(err.message)) {
        throw new RefundActionRejectedError(refundId, action, FINAL_ALREADY, 'not_allowed');
      }
      throw err;
    }
  }
}
