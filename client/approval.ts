/**
 * Four-eyes approval on the client side (domain/approval.ts has the rule, workflows/approval.ts
 * the gate): at start, whether a refund needs approval and who asked for it; the start options
 * that carry it (the workflow input's `approval`, the RefundApproval search attribute set to
 * `awaiting`, so refunds without approval cost nothing); the decisions' inputs as zod schemas
 * built from the same rules the workflow checks without zod.
 */
import type { SearchAttributePair } from '@temporalio/common';
import { z } from 'zod';
import { APPROVAL_DECISION_RULES as R, approvalThresholdReached, thresholdText, type ApprovalInput, type ApprovalPolicy } from '../domain/approval.js';
import { OPERATOR_INPUT_MESSAGES as M, type TextRule } from '../domain/operator-rules.js';
import { RefundRequestError, type RefundRequest } from '../domain/refund.js';
import { RefundApprovalKey } from '../workflows/search-attributes.js';

/**
 * The workflow input's `approval` for a validated request, or undefined when it needs none. A
 * refund that needs approval without a requester (a library call without `requester`, the CLI
 * without REFUNDS_IDENTITY) is refused before anything starts: nobody could tell who may approve it.
 */
export function approvalAtStart(request: RefundRequest, policy: ApprovalPolicy, requester: string | undefined): ApprovalInput | undefined {
  const threshold = approvalThresholdReached(policy, request);
  if (!threshold) return undefined;
  if (requester === undefined || requester.trim() === '') {
    throw new RefundRequestError([
      {
        path: 'requester',
        message: `this refund reaches the four-eyes approval threshold ${thresholdText(threshold)}, so it needs a known requester (the API key's name; REFUNDS_IDENTITY for the CLI; \`requester\` for RefundsClient.create)`,
      },
    ]);
  }
  return { requester: requester.trim(), threshold, timeoutMs: policy.timeoutMs };
}

interface StartOptionsLike {
  args: [object];
  typedSearchAttributes: SearchAttributePair[];
}

/** Start options with the approval gate: the input's `approval` and RefundApproval=awaiting. Unchanged without one. */
export function withApproval<T extends StartOptionsLike>(options: T, approval: ApprovalInput | undefined): T {
  if (!approval) return options;
  return {
    ...options,
    args: [{ ...options.args[0], approval }] as T['args'],
    typedSearchAttributes: [...options.typedSearchAttributes, { key: RefundApprovalKey, value: 'awaiting' }],
  };
}

function text(field: string, rule: TextRule) {
  const s = z.string({ error: rule.required ? M.required(field) : M.notText(field) });
  return (rule.trim ? s.trim().min(1, M.empty(field)) : s).max(rule.max, M.tooLong(field, rule.max));
}

/** The HTTP bodies and CLI flags of the two decisions: no `approver` (it is the API key's name, or REFUNDS_IDENTITY). */
export const GrantApprovalBodySchema = z.strictObject({ note: text('note', R.grant.note).optional() });
export const RefuseApprovalBodySchema = z.strictObject({ reason: text('reason', R.refuse.reason) });
