// Invitations are accepted when the invited user signs in: the verified e-mail of their access token matches.
import type { JWTPayload } from 'jose';
import type { Queryable } from '../db/types.ts';

/**
 * The token's e-mail when it can be trusted to belong to the user: Supabase Auth puts the confirmed address in
 * the top-level `email` claim (a changed address only once confirmed). `user_metadata` is never read — the user
 * can edit it. Anonymous users and tokens that say `email_verified: false` are not matched.
 */
export function verifiedEmail(claims: JWTPayload): string | null {
  const email = claims.email;
  if (typeof email !== 'string' || !email.includes('@')) return null;
  if (claims.is_anonymous === true || claims.email_verified === false) return null;
  return email;
}

/**
 * Makes the user a member of every organisation with a pending invitation for their e-mail; a membership they
 * already have is kept as it is. Also requires the user's own `auth.users` row to carry that e-mail, so the
 * claim and the account agree. Runs as the service: the user may belong to no organisation yet.
 */
export async function acceptInvitations(db: Queryable, userId: string, claims: JWTPayload): Promise<void> {
  const email = verifiedEmail(claims);
  if (!email) return;
  await db.query(
    `with accepted as (
       update public.organization_invitations i set accepted_at = now(), accepted_by = $1
       where lower(i.email) = lower($2) and i.accepted_at is null and i.expires_at > now()
         and exists (select 1 from auth.users u where u.id = $1 and lower(u.email) = lower($2))
       returning i.org_id, i.role
     )
     insert into public.organization_members (org_id, user_id, role)
     select org_id, $1, role from accepted
     on conflict (org_id, user_id) do nothing`,
    [userId, email],
  );
}
