// An operator's picture is shown to visitors, whose browsers fetch it: its address must be a public https one
// (no credentials, not this machine, no private or loopback literal), by the outbound destinations' rules.
import { ApiError } from '../http/errors.ts';
import { destinationProblem } from '../outbound/addresses.ts';

/** Refuses (422 naming `avatarUrl`) an avatar address a visitor's browser should not be sent to. */
export function checkAvatarUrl(avatarUrl: string | undefined): void {
  if (avatarUrl === undefined) return;
  // Never "allowed" locally: the address is for visitors' browsers, not for this server.
  const problem = destinationProblem(new URL(avatarUrl), false, 'no setting');
  if (problem) {
    throw new ApiError('validation_failed', 'The request is not valid', {
      details: [{ path: ['avatarUrl'], message: problem }],
    });
  }
}
