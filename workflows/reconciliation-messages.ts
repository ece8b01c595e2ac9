/**
 * The reconciliation's messages, defined once (names in domain/reconciliation.ts) and imported by
 * the client, the activities and the workflows: the report query of a reconciliation run, and the
 * refund workflow's update that puts a refund in needs_attention with a reconciliation's evidence.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { RECONCILIATION_NAMES, type ReconciledRefundState, type ReconciliationFlagInput, type ReconciliationReport } from '../domain/reconciliation.js';

export const getReconciliationQuery = defineQuery<ReconciliationReport>(RECONCILIATION_NAMES.reportQuery);

/** Ours pending while the provider is final, or ours succeeded but absent: a person must look (workflows/reconciliation-flag.ts). */
export const flagReconciliationUpdate = defineUpdate<ReconciledRefundState, [ReconciliationFlagInput]>(RECONCILIATION_NAMES.flagUpdate);
