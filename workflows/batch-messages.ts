/**
 * The batch workflows' queries, updates and signal (names from domain/batch.ts), defined once and
 * imported by the client too.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { BATCH_MESSAGE_NAMES, type BatchActionInput, type BatchRow, type BatchState } from '../domain/batch.js';

export const getBatchQuery = defineQuery<BatchState>(BATCH_MESSAGE_NAMES.getBatch);
/** Rows [from, from + count) of one holder (all of them without arguments). */
export const getBatchRowsQuery = defineQuery<BatchRow[], [number?, number?]>(BATCH_MESSAGE_NAMES.getRows);
/** Stop starting rows after the wave in flight; the refunds already started go on. */
export const pauseBatchUpdate = defineUpdate<BatchState, [BatchActionInput]>(BATCH_MESSAGE_NAMES.pause);
export const resumeBatchUpdate = defineUpdate<BatchState, [BatchActionInput]>(BATCH_MESSAGE_NAMES.resume);
/** Start no more rows; the refunds already started are left alone (each can be canceled on its own). */
export const cancelBatchUpdate = defineUpdate<BatchState, [BatchActionInput]>(BATCH_MESSAGE_NAMES.cancel);
/** Sent by the batch to its row holders when it has ended: they end too. */
export const releaseBatchRowsSignal = defineSignal(BATCH_MESSAGE_NAMES.release);

/** Error types of the updates' validators (the client maps them like the refund's). */
export const BATCH_ERROR_TYPES = {
  notAllowed: 'BatchActionNotAllowed',
  invalidInput: 'InvalidBatchActionInput',
} as const;
