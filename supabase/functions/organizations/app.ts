// `organizations`: create one as a signed-in user, read mine, manage members and invitations, manage secret API keys.
import {
  type ApiKeyCreated,
  apiKeyCreate,
  id,
  invitationCreate,
  listQuery,
  memberUpdate,
  organizationCreate,
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
import { type AppEnv, createFunctionApp } from '../_shared/http/app.ts';
import { notFound } from '../_shared/http/errors.ts';
import { listPage } from '../_shared/http/pagination.ts';
import { readJson, readParam, readQuery } from '../_shared/http/validate.ts';
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
const keyOrUser: MiddlewareHandler<AppEnv> = (c, next) =>
  credentialKind(bearerToken(c.req.header('authorization'))) === 'secret'
    ? authenticate(['secret'])(c, next)
    : authenticateUser()(c, next);

export function createOrganizationsApp(runtime: Runtime) {
  const app = createFunctionApp('organizations', runtime);
  const { db } = runtime;

  // The creator becomes its owner. Runs as the service: no organisation exists yet to scope it to.
  app.post('/', authenticateUser(), async (c) => {
    const input = await readJson(c, organizationCreate);
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

  app.get('/', keyOrUser, async (c) => {
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

  app.get('/current', staff, async (c) => {
    const [row] = await tenant(c, (tx) => tx.query('select * from public.organizations'));
    if (!row) throw notFound('Organization');
    const role = c.var.principal.kind === 'member' ? c.var.principal.role : undefined;
    return c.json(organizationFromRow({ ...row, role }));
  });

  app.get('/members', staff, async (c) => {
    const rows = await tenant(c, (tx) => tx.query('select * from public.organization_member_directory()'));
    return c.json({ data: rows.map(memberFromRow), nextCursor: null });
  });

  app.patch('/members/:userId', owner, async (c) => {
    const userId = readParam(c, 'userId', id, 'Member');
    const patch = await readJson(c, memberUpdate);
    return c.json(await tenant(c, (tx) => changeMemberRole(tx, userId, patch)));
  });

  app.delete('/members/:userId', owner, async (c) => {
    const userId = readParam(c, 'userId', id, 'Member');
    await tenant(c, (tx) => removeMember(tx, userId));
    return c.body(null, 204);
  });

  app.get('/invitations', admin, async (c) => {
    const data = await tenant(c, pendingInvitations);
    return c.json({ data, nextCursor: null });
  });

  // Accepted when the invited address signs in (see _shared/auth/invitations.ts).
  app.post('/invitations', owner, async (c) => {
    const input = await readJson(c, invitationCreate);
    const { principal } = c.var;
    if (principal.kind !== 'member') throw new Error('owner routes admit members only');
    const invitation = await tenant(c, (tx) =>
      inviteMember(tx, { ...input, orgId: principal.orgId, invitedBy: principal.userId }),
    );
    return c.json(invitation, 201);
  });

  app.delete('/invitations/:id', owner, async (c) => {
    const invitationId = readParam(c, 'id', id, 'Invitation');
    await tenant(c, (tx) => withdrawInvitation(tx, invitationId));
    return c.body(null, 204);
  });

  app.get('/api-keys', admin, async (c) => {
    const query = readQuery(c, listQuery);
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

  app.post('/api-keys', admin, async (c) => {
    const input = await readJson(c, apiKeyCreate);
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

  app.delete('/api-keys/:id', admin, async (c) => {
    const keyId = readParam(c, 'id', id, 'API key');
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
