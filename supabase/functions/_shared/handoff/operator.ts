// Who answers as an operator: the signed-in member or the secret key calling, and the name the visitor sees.
import type { Operator } from '@closer/contract';
import type { Principal } from '../auth/principal.ts';
import type { Queryable } from '../db/types.ts';
import { ApiError } from '../http/errors.ts';
import { checkAvatarUrl } from './avatar.ts';

/** What a secret key's operator is called when the request names no one. */
export const SECRET_KEY_OPERATOR_NAME = 'Support';

/**
 * The operator behind a request. A member is named by `displayName`, else the part of their e-mail before the
 * `@` (from the member directory); a secret key by `displayName`, else "Support". The stored author id is always
 * the caller's own (member user id, key id): a name can be chosen, who wrote it cannot.
 */
export async function operatorOf(
  tx: Queryable,
  principal: Principal,
  identity: { displayName?: string | undefined; avatarUrl?: string | undefined },
): Promise<Operator> {
  checkAvatarUrl(identity.avatarUrl);
  const avatarUrl = identity.avatarUrl ?? null;
  if (principal.kind === 'secret')
    return {
      kind: 'secret',
      id: principal.keyId,
      name: identity.displayName ?? SECRET_KEY_OPERATOR_NAME,
      avatarUrl,
    };
  if (principal.kind !== 'member')
    throw new ApiError('forbidden', 'Only the organisation can answer as a person');
  let name = identity.displayName;
  if (!name) {
    const [member] = await tx.query<{ email: string | null }>(
      'select email from public.organization_member_directory() where user_id = $1',
      [principal.userId],
    );
    name = member?.email?.split('@')[0] || 'Operator';
  }
  return { kind: 'member', id: principal.userId, name: name.slice(0, 100), avatarUrl };
}
