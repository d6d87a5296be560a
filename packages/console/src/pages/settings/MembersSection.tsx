// Who belongs to the organisation and with which role; owners invite by e-mail, change roles and remove people.
import { invitationCreate, type OrganizationInvitation, type OrganizationMember } from '@closer/contract';
import { useState } from 'preact/hooks';
import { api, currentOrgId } from '../../api.ts';
import { session } from '../../auth/session.ts';
import { formatDateTime } from '../../i18n/i18n.ts';
import { t } from '../../i18n/messages.ts';
import { currentOrganization } from '../../organizations.ts';
import { ConfirmDialog } from '../../ui/Dialog.tsx';
import { errorMessage, type FieldErrors, serverFieldErrors, validate } from '../../ui/errors.ts';
import { Field, FormError } from '../../ui/Field.tsx';
import { Empty, Loaded, useLoad } from '../../ui/states.tsx';
import { Table } from '../../ui/Table.tsx';
import { toast } from '../../ui/Toast.tsx';

type Role = OrganizationMember['role'];
const roles: Role[] = ['owner', 'admin', 'member'];

export function MembersSection() {
  const role = currentOrganization.value?.role;
  const isOwner = role === 'owner';
  const members = useLoad(async () => (await api().organizations.members.list()).data, [currentOrgId.value]);
  const invitations = useLoad(
    async () => (role === 'member' ? [] : (await api().organizations.invitations.list()).data),
    [currentOrgId.value, role],
  );
  return (
    <>
      <div class="card">
        <h2>{t('settings.members')}</h2>
        <Loaded load={members}>
          {(list) => <MemberTable members={list} editable={isOwner} onChanged={members.reload} />}
        </Loaded>
      </div>
      {isOwner && <InviteForm onInvited={invitations.reload} />}
      {role !== 'member' && (
        <div class="card">
          <h2>{t('settings.invitations')}</h2>
          <Loaded load={invitations}>
            {(list) =>
              list.length === 0 ? (
                <Empty title={t('settings.noInvitations')} />
              ) : (
                <InvitationTable invitations={list} revocable={isOwner} onChanged={invitations.reload} />
              )
            }
          </Loaded>
        </div>
      )}
    </>
  );
}

function MemberTable({
  members,
  editable,
  onChanged,
}: {
  members: OrganizationMember[];
  editable: boolean;
  onChanged: () => void;
}) {
  const [removing, setRemoving] = useState<OrganizationMember | null>(null);
  const me = session.value?.user.id;
  const changeRole = async (member: OrganizationMember, next: Role) => {
    try {
      await api().organizations.members.update(member.userId, { role: next });
      toast(t('settings.roleChanged', { email: member.email ?? member.userId }));
    } catch (error) {
      toast(errorMessage(error), 'error');
    }
    onChanged();
  };
  const remove = async () => {
    const member = removing!;
    setRemoving(null);
    try {
      await api().organizations.members.remove(member.userId);
      toast(t('settings.memberRemoved', { email: member.email ?? member.userId }));
    } catch (error) {
      toast(errorMessage(error), 'error');
    }
    onChanged();
  };
  return (
    <>
      <Table
        caption={t('settings.members')}
        rows={members}
        rowKey={(member) => member.userId}
        columns={[
          {
            header: t('settings.email'),
            cell: (member) => (
              <>
                {member.email ?? member.userId}
                {member.userId === me && <span class="muted"> ({t('settings.you')})</span>}
              </>
            ),
          },
          {
            header: t('settings.role'),
            cell: (member) =>
              editable ? (
                <select
                  aria-label={t('settings.roleOf', { email: member.email ?? member.userId })}
                  value={member.role}
                  onChange={(event) => void changeRole(member, event.currentTarget.value as Role)}
                >
                  {roles.map((r) => (
                    <option key={r} value={r}>
                      {t(`role.${r}`)}
                    </option>
                  ))}
                </select>
              ) : (
                t(`role.${member.role}`)
              ),
          },
          { header: t('settings.since'), cell: (member) => formatDateTime(member.createdAt) },
          ...(editable
            ? [
                {
                  header: t('settings.actions'),
                  cell: (member: OrganizationMember) => (
                    <button
                      type="button"
                      class="button button-danger"
                      aria-label={t('settings.removeMember', { email: member.email ?? member.userId })}
                      onClick={() => setRemoving(member)}
                    >
                      {t('action.remove')}
                    </button>
                  ),
                },
              ]
            : []),
        ]}
      />
      <ConfirmDialog
        open={removing !== null}
        title={t('settings.removeTitle')}
        message={t('settings.removeWarning', { email: removing?.email ?? '' })}
        confirmLabel={t('action.remove')}
        onConfirm={() => void remove()}
        onClose={() => setRemoving(null)}
      />
    </>
  );
}

function InviteForm({ onInvited }: { onInvited: () => void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('member');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setFailure(null);
    const checked = validate(invitationCreate, { email: email.trim(), role });
    if (!checked.ok) return setErrors(checked.errors);
    setErrors({});
    setBusy(true);
    try {
      const invitation = await api().organizations.invitations.create(checked.data);
      toast(t('settings.invited', { email: invitation.email }));
      setEmail('');
      onInvited();
    } catch (error) {
      setErrors(serverFieldErrors(error));
      setFailure(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="card">
      <h2>{t('settings.invite')}</h2>
      <p class="muted">{t('settings.inviteHint')}</p>
      <form noValidate onSubmit={submit}>
        <div class="grid-2">
          <Field label={t('settings.email')} error={errors.email}>
            {(control) => (
              <input
                {...control}
                type="email"
                autocomplete="off"
                value={email}
                onInput={(event) => setEmail(event.currentTarget.value)}
              />
            )}
          </Field>
          <Field label={t('settings.role')} error={errors.role}>
            {(control) => (
              <select
                {...control}
                value={role}
                onChange={(event) => setRole(event.currentTarget.value as Role)}
              >
                {roles.map((r) => (
                  <option key={r} value={r}>
                    {t(`role.${r}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <FormError message={failure} />
        <button type="submit" class="button button-primary" disabled={busy}>
          {busy ? t('action.saving') : t('settings.sendInvite')}
        </button>
      </form>
    </div>
  );
}

function InvitationTable({
  invitations,
  revocable,
  onChanged,
}: {
  invitations: OrganizationInvitation[];
  revocable: boolean;
  onChanged: () => void;
}) {
  const revoke = async (invitation: OrganizationInvitation) => {
    try {
      await api().organizations.invitations.revoke(invitation.id);
      toast(t('settings.invitationRevoked', { email: invitation.email }));
    } catch (error) {
      toast(errorMessage(error), 'error');
    }
    onChanged();
  };
  return (
    <Table
      caption={t('settings.invitations')}
      rows={invitations}
      rowKey={(invitation) => invitation.id}
      columns={[
        { header: t('settings.email'), cell: (invitation) => invitation.email },
        { header: t('settings.role'), cell: (invitation) => t(`role.${invitation.role}`) },
        { header: t('settings.expires'), cell: (invitation) => formatDateTime(invitation.expiresAt) },
        ...(revocable
          ? [
              {
                header: t('settings.actions'),
                cell: (invitation: OrganizationInvitation) => (
                  <button
                    type="button"
                    class="button button-danger"
                    aria-label={t('settings.revokeInvitation', { email: invitation.email })}
                    onClick={() => void revoke(invitation)}
                  >
                    {t('settings.revoke')}
                  </button>
                ),
              },
            ]
          : []),
      ]}
    />
  );
}
