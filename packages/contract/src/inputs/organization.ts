// Requests that create an organisation or an API key, invite a member or change a member's role.
import * as z from 'zod/mini';
import { name } from '../common.ts';
import { memberRole } from '../organization.ts';

export const organizationCreate = z.strictObject({ name: name(100) });

/** `PATCH /organizations/current`: the organisation's new name. */
export const organizationUpdate = z.strictObject({ name: name(100) });
export type OrganizationUpdate = z.input<typeof organizationUpdate>;

export const apiKeyCreate = z.strictObject({ name: name(100) });

/** `POST /organizations/invitations`: who to invite and as what (default `member`). */
export const invitationCreate = z.strictObject({
  email: z.email().check(z.maxLength(320)),
  role: z.optional(memberRole),
});
export type InvitationCreate = z.input<typeof invitationCreate>;

/** `PATCH /organizations/members/:userId`: the member's new role. */
export const memberUpdate = z.strictObject({ role: memberRole });
export type MemberUpdate = z.input<typeof memberUpdate>;
