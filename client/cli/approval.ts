/**
 * `refunds four-eyes approve ID [--note N]` and `refunds four-eyes refuse ID --reason R` (13a):
 * four-eyes approval of a refund that reached its approval threshold, NOT SecPaid's admin review
 * (that is `refunds approve` / `reject`). The approver is the CLI's configured identity,
 * REFUNDS_IDENTITY (no --operator: who decides is not a flag). The refund's requester deciding it
 * exits 3 with kind forbidden; nothing to decide (no approval needed, decided, expired) exits 3
 * with kind not_allowed; an unknown id 4; nothing is changed either way.
 */
import { cliIdentity, type Env } from '../../domain/config.js';
import { actionHygieneIssues } from '../input-hygiene.js';
import type { RefundsClient } from '../refunds-client.js';
import { UsageError } from './exit.js';
import { statusText, transitionLine } from './format.js';

const SUBCOMMANDS = ['approve', 'refuse'] as const;

/** Who the CLI acts as: REFUNDS_IDENTITY, required for a decision (and for creating a refund that needs approval). */
export function requireIdentity(env: Env, command: string): string {
  const identity = cliIdentity(env);
  if (identity === undefined) throw new UsageError(`${command} needs REFUNDS_IDENTITY: who you are (a refund's requester may not decide its four-eyes approval)`, command);
  return identity;
}

export function fourEyesCommand(
  args: string[],
  flags: { note?: string; reason?: string },
  client: () => Promise<RefundsClient>,
  env: Env,
): () => Promise<{ json: unknown; text: string }> {
  const [sub, id = ''] = args;
  if (!(SUBCOMMANDS as readonly (string | undefined)[]).includes(sub)) throw new UsageError(`four-eyes takes approve or refuse; got ${JSON.stringify(sub)}`, 'four-eyes');
  if (sub === 'refuse' && (flags.reason === undefined || flags.reason.trim() === '')) throw new UsageError('four-eyes refuse needs --reason', 'four-eyes');
  if (sub === 'approve' && flags.reason !== undefined) throw new UsageError('four-eyes approve takes --note, not --reason', 'four-eyes');
  const text = sub === 'approve' ? { note: flags.note } : { reason: flags.reason };
  const problem = actionHygieneIssues(text)[0];
  if (problem) throw new UsageError(`--${problem.path[0]!} ${problem.message.replace(/^\S+ /, '')}`, 'four-eyes');
  const approver = requireIdentity(env, 'four-eyes');
  return async () => {
    const rc = await client();
    const state =
      sub === 'approve'
        ? await rc.grantApproval(id, { approver, ...(flags.note !== undefined ? { note: flags.note } : {}) })
        : await rc.refuseApproval(id, { approver, reason: flags.reason! });
    const last = state.transitions.at(-1);
    return {
      json: state,
      text: [`four-eyes approval ${sub === 'approve' ? 'granted' : 'refused'} for ${state.refundId} by ${approver}: now ${statusText(state.status, state.pendingReason)}`, ...(last ? [transitionLine(last)] : [])].join('\n'),
    };
  };
}
