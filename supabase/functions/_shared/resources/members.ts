// Who belongs to an organisation: role changes, removal and invitations, run under the caller's claims (RLS and
// the last-owner trigger of migration 20261130050100 hold even if a check here were missing).
import type {
  InvitationCreate,
  MemberUpdate,
  OrganizationInvitation,
  OrganizationMember,
} from '@closer/contract';
import type { Queryable } from '../db/types.ts';
import { ApiError, notFound } from '../http/errors.ts';
import { invitationFromRow, memberFromRow } from './organizations.ts';

const LAST_OWNER = 'CL409';
const UNIQUE = '23505';

const sqlState = (error: unknown) => (error as { code?: unknown } | null)?.code;

/** The trigger's refusal as the API says it. */
async function keepingAnOwner<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (sqlState(error) === LAST_OWNER) {
      throw new ApiError(
        'conflict',
        'An organization keeps at least one owner: make another member an owner first',
      );
    }
    throw error;
  }
}

export async function findMember(tx: Queryable, userId: string): Promise<OrganizationMember> {
  const [row] = await tx.query('select * from public.organization_member_directory() where user_id = $1', [
    userId,
  ]);
  if (!row) throw notFound('Member');
  return memberFromRow(row);
}

export async function changeMemberRole(
  tx: Queryable,
  userId: string,
  patch: MemberUpdate,
): Promise<OrganizationMember> {
  const updated = await keepingAnOwner(() =>
    tx.query('update public.organization_members set role = $2 where user_id = $1 returning user_id', [
      userId,
      patch.role,
    ]),
  );
  if (updated.length === 0) throw notFound('Member');
  return findMember(tx, userId);
}

export async function removeMember(tx: Queryable, userId: string): Promise<void> {
  const removed = await keepingAnOwner(() =>
    tx.query('delete from public.organization_members where user_id = $1 returning user_id', [userId]),
  );
  if (removed.length === 0) throw notFound('Member');
}

export async function inviteMember(
  tx: Queryable,
  invitation: { orgId: string; invitedBy: string } & InvitationCreate,
): Promise<OrganizationInvitation> {
  const email = invitation.email.trim();
  const members = await tx.query(
    'select 1 from public.organization_member_directory() where lower(email) = lower($1)',
    [email],
  );
  if (members.length > 0) throw new ApiError('conflict', `${email} is already a member`);
  // An expired invitation no longer holds the address.
  await tx.query(
    `delete from public.organization_invitations
     where lower(email) = lower($1) and accepted_at is null and expires_at <= now()`,
    [email],
  );
  try {
    const [row] = await tx.query(
      `insert into public.organization_invitations (org_id, email, role, invited_by)
       values ($1, $2, $3, $4) returning *`,
      [invitation.orgId, email, invitation.role ?? 'member', invitation.invitedBy],
    );
    return invitationFromRow(row!);
  } catch (error) {
    if (sqlState(error) === UNIQUE) {
      throw new ApiError('conflict', `${email} is already invited: withdraw that invitation to invite again`);
    }
    throw error;
  }
}

export async function pendingInvitations(tx: Queryable): Promise<OrganizationInvitation[]> {
  const rows = await tx.query(
    `select * from public.organization_invitations where accepted_at is null and expires_at > now()
     order by created_at desc, id desc`,
  );
  return rows.map(invitationFromRow);
}

export async function withdrawInvitation(tx: Queryable, id: string): Promise<void> {
  const removed = await tx.query(
    'delete from public.organization_invitations where id = $1 and accepted_at is null returning id',
    [id],
  );
  if (removed.length === 0) throw notFound('Invitation');
}
