// `organizations`: create one as a signed-in user, read mine, manage members and invitations, manage secret API keys.
import {
  type ApiKeyCreated,
  apiKey,
  apiKeyCreate,
  apiKeyCreated,
  id,
  invitationCreate,
  listQuery,
  memberUpdate,
  organization,
  organizationCreate,
  organizationInvitation,
  organizationMember,
  organizationUpdate,
  page,
} from '@closer/contract';
import type { MiddlewareHandler } from 'hono';
import { access, authorize } from '../_shared/auth/access.ts';
import {
  authenticate,
  authenticateUser,
  bearerToken,
  credentialKind,
  tenant,
} from '../_shared/auth/middleware.ts';
import { generateSecretKey, hashSecretKey, secretKeyPrefix } from '../_shared/auth/secretKeys.ts';
import { requireRoom } from '../_shared/billing/usage.ts';
import { type AppEnv, createFunctionApp } from '../_shared/http/app.ts';
import { notFound } from '../_shared/http/errors.ts';
import { listPage } from '../_shared/http/pagination.ts';
import { describedBy, route } from '../_shared/http/route.ts';
import { securityFor, signedInUser } from '../_shared/openapi/security.ts';
import {
  changeMemberRole,
  inviteMember,
  pendingInvitations,
  removeMember,
  withdrawInvitation,
} from '../_shared/resources/members.ts';
import { apiKeyFromRow, memberFromRow, organizationFromRow } from '../_shared/resources/organizations.ts';
import type { Runtime } from '../_shared/runtime.ts';

const staff = authorize(access.staff);
const admin = authorize(access.admin);
const owner = authorize(access.owner);

/** A secret key speaks for its organisation; a user token for the user, organisation or not. */
const keyOrUser = describedBy<MiddlewareHandler<AppEnv>>(
  (c, next) =>
    credentialKind(bearerToken(c.req.header('authorization'))) === 'secret'
      ? authenticate(['secret'])(c, next)
      : authenticateUser()(c, next),
  () => ({ security: [...securityFor(['secret']), ...signedInUser] }),
);

export function createOrganizationsApp(runtime: Runtime) {
  const app = createFunctionApp('organizations', runtime);
  const { db } = runtime;

  // The creator becomes its owner. Runs as the service: no organisation exists yet to scope it to.
  const createOrganization = route({
    summary: 'Create an organization; the signed-in user becomes its owner',
    body: organizationCreate,
    responses: { 201: organization },
  });
  app.post('/', authenticateUser(), createOrganization, async (c) => {
    const input = c.req.valid('json');
    const userId = c.var.userId;
    const row = await db.transaction(async (tx) => {
      const [org] = await tx.query('insert into public.organizations (name) values ($1) returning *', [
        input.name,
      ]);
      await tx.query(
        `insert into public.organization_members (org_id, user_id, role) values ($1, $2, 'owner')`,
        [org!.id, userId],
      );
      return { ...org!, role: 'owner' };
    });
    return c.json(organizationFromRow(row), 201);
  });

  const listOrganizations = route({
    summary: "The user's organizations with their role, or the secret key's organization",
    responses: { 200: page(organization) },
  });
  app.get('/', keyOrUser, listOrganizations, async (c) => {
    const rows = c.get('userId')
      ? await db.query(
          `select o.*, m.role from public.organizations o
           join public.organization_members m on m.org_id = o.id
           where m.user_id = $1 order by o.created_at, o.id`,
          [c.var.userId],
        )
      : await tenant(c, (tx) => tx.query('select * from public.organizations'));
    return c.json({ data: rows.map(organizationFromRow), nextCursor: null });
  });

  const current = route({
    summary: 'The organization this request acts for',
    responses: { 200: organization },
  });
  app.get('/current', staff, current, async (c) => {
    const [row] = await tenant(c, (tx) => tx.query('select * from public.organizations'));
    if (!row) throw notFound('Organization');
    const role = c.var.principal.kind === 'member' ? c.var.principal.role : undefined;
    return c.json(organizationFromRow({ ...row, role }));
  });

  const renameOrganization = route({
    summary: 'Rename the organization this request acts for (owners and admins)',
    body: organizationUpdate,
    responses: { 200: organization },
  });
  app.patch('/current', admin, renameOrganization, async (c) => {
    const { name } = c.req.valid('json');
    const [row] = await tenant(c, (tx) =>
      tx.query('update public.organizations set name = $1 returning *', [name]),
    );
    if (!row) throw notFound('Organization');
    const role = c.var.principal.kind === 'member' ? c.var.principal.role : undefined;
    return c.json(organizationFromRow({ ...row, role }));
  });

  const listMembers = route({
    summary: 'Members with their e-mail and role',
    responses: { 200: page(organizationMember) },
  });
  app.get('/members', staff, listMembers, async (c) => {
    const rows = await tenant(c, (tx) => tx.query('select * from public.organization_member_directory()'));
    return c.json({ data: rows.map(memberFromRow), nextCursor: null });
  });

  const memberParam = { userId: { schema: id, what: 'Member' } };
  const updateMember = route({
    summary: "Change a member's role (owners only; the last owner stays an owner)",
    params: memberParam,
    body: memberUpdate,
    responses: { 200: organizationMember },
  });
  app.patch('/members/:userId', owner, updateMember, async (c) => {
    const { userId } = c.req.valid('param');
    const patch = c.req.valid('json');
    return c.json(await tenant(c, (tx) => changeMemberRole(tx, userId, patch)));
  });

  const deleteMember = route({
    summary: 'Remove a member (owners only; the last owner cannot be removed)',
    params: memberParam,
    responses: { 204: null },
  });
  app.delete('/members/:userId', owner, deleteMember, async (c) => {
    const { userId } = c.req.valid('param');
    await tenant(c, (tx) => removeMember(tx, userId));
    return c.body(null, 204);
  });

  const listInvitations = route({
    summary: 'Pending invitations (owners and admins)',
    responses: { 200: page(organizationInvitation) },
  });
  app.get('/invitations', admin, listInvitations, async (c) => {
    const data = await tenant(c, pendingInvitations);
    return c.json({ data, nextCursor: null });
  });

  // Accepted when the invited address signs in (see _shared/auth/invitations.ts).
  const createInvitation = route({
    summary: 'Invite someone by e-mail with a role (owners only); accepted when they sign in',
    body: invitationCreate,
    responses: { 201: organizationInvitation },
  });
  app.post('/invitations', owner, createInvitation, async (c) => {
    const input = c.req.valid('json');
    const { principal } = c.var;
    if (principal.kind !== 'member') throw new Error('owner routes admit members only');
    const invitation = await tenant(c, async (tx) => {
      await requireRoom(tx, runtime.env, 'members');
      return inviteMember(tx, { ...input, orgId: principal.orgId, invitedBy: principal.userId });
    });
    return c.json(invitation, 201);
  });

  const revokeInvitation = route({
    summary: 'Withdraw a pending invitation (owners only)',
    params: { id: { schema: id, what: 'Invitation' } },
    responses: { 204: null },
  });
  app.delete('/invitations/:id', owner, revokeInvitation, async (c) => {
    const invitationId = c.req.valid('param').id;
    await tenant(c, (tx) => withdrawInvitation(tx, invitationId));
    return c.body(null, 204);
  });

  const listKeys = route({
    summary: 'List secret keys (owners and admins)',
    query: listQuery,
    responses: { 200: page(apiKey) },
  });
  app.get('/api-keys', admin, listKeys, async (c) => {
    const query = c.req.valid('query');
    return c.json(
      await tenant(c, (tx) =>
        listPage(tx, {
          from: 'select t.* from public.api_keys t',
          limit: query.limit,
          cursor: query.cursor,
          map: apiKeyFromRow,
        }),
      ),
    );
  });

  const createKey = route({
    summary: 'Create a secret key (owners and admins); its plaintext `secret` is in this response only',
    body: apiKeyCreate,
    responses: { 201: apiKeyCreated },
  });
  app.post('/api-keys', admin, createKey, async (c) => {
    const input = c.req.valid('json');
    const secret = generateSecretKey();
    const { principal } = c.var;
    const [row] = await tenant(c, async (tx) =>
      tx.query(
        'insert into public.api_keys (org_id, name, prefix, key_hash, created_by) values ($1, $2, $3, $4, $5) returning *',
        [
          principal.orgId,
          input.name,
          secretKeyPrefix(secret),
          await hashSecretKey(secret),
          principal.kind === 'member' ? principal.userId : null,
        ],
      ),
    );
    // The only time the plaintext leaves the server.
    return c.json({ ...apiKeyFromRow(row!), secret } satisfies ApiKeyCreated, 201);
  });

  const revokeKey = route({
    summary: 'Revoke a secret key at once (owners and admins)',
    params: { id: { schema: id, what: 'API key' } },
    responses: { 204: null },
  });
  app.delete('/api-keys/:id', admin, revokeKey, async (c) => {
    const keyId = c.req.valid('param').id;
    const revoked = await tenant(c, (tx) =>
      tx.query(
        'update public.api_keys set revoked_at = coalesce(revoked_at, now()) where id = $1 returning id',
        [keyId],
      ),
    );
    if (revoked.length === 0) throw notFound('API key');
    return c.body(null, 204);
  });

  return app;
}
