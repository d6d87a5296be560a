// Settings in real Chromium against the real local stack, as the demo owner: a secret key shown once and
// working until revoked, a member invited and joining, a role changed, the organisation renamed, Kommo's state.
import { DEMO_ORG_ID } from '@closer/local/src/demoKeys.ts';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, type ConsoleStack, openConsole, startConsoleStack } from './stack.ts';

let stack: ConsoleStack;
let page: Page;
let problems: string[];

beforeAll(async () => {
  stack = await startConsoleStack();
  ({ page, problems } = await openConsole(stack.browser, stack.consoleLink()));
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
});
afterAll(async () => stack?.close());

const api = (secret: string, path: string) =>
  fetch(`${stack.base}/functions/v1${path}`, { headers: { authorization: `Bearer ${secret}` } });

describe('settings', () => {
  it('creates a secret key, shows it once, and revokes it: the API refuses it from then on', async () => {
    await page.getByRole('tab', { name: 'API keys' }).click();
    await page.getByRole('button', { name: 'Create key' }).click();
    const nameError = page.locator('.field-error');
    await nameError.first().waitFor();
    await page.getByLabel('Name', { exact: true }).fill('CRM import job');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.getByTestId('new-secret-key').textContent())!;
    expect(secret).toMatch(/^sk_/);
    // The Copy button has the focus: a keyboard user copies the secret with one key.
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Copy');
    expect((await api(secret, '/agents')).status).toBe(200);
    await page.getByRole('button', { name: 'I have stored it' }).click();

    const row = page.getByRole('row', { name: /CRM import job/ });
    await row.waitFor();
    expect(await row.textContent()).toContain(secret.slice(0, 8));
    expect(await page.locator('body').textContent()).not.toContain(secret);
    const [stored] = await stack.db.query<{ key_hash: string }>(
      `select key_hash from api_keys where name = 'CRM import job'`,
    );
    expect(stored?.key_hash).not.toContain(secret);

    await page.getByRole('button', { name: 'Revoke CRM import job' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await row.getByText(/Revoked/).waitFor();
    const [revoked] = await stack.db.query<{ revoked_at: Date | null }>(
      `select revoked_at from api_keys where name = 'CRM import job'`,
    );
    expect(revoked?.revoked_at).toBeInstanceOf(Date);
    expect((await api(secret, '/agents')).status).toBe(401);
  });

  it('invites a member by e-mail with a role; they join when they sign in; the owner changes the role', async () => {
    await page.getByRole('tab', { name: 'Members' }).click();
    await page.getByLabel('E-mail', { exact: true }).fill('not an address');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    expect(await page.getByLabel('E-mail', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('E-mail', { exact: true }).fill('sam@sunny.example');
    await page.getByLabel('Role', { exact: true }).selectOption('admin');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByRole('row', { name: /sam@sunny\.example/ }).waitFor();
    const [invitation] = await stack.db.query<{ role: string }>(
      `select role from organization_invitations where email = 'sam@sunny.example'`,
    );
    expect(invitation?.role).toBe('admin');

    // Sam opens a console link of their own and lands in the organisation as an admin.
    const sam = await openConsole(stack.browser, stack.consoleLink('sam@sunny.example'));
    await sam.page.getByRole('link', { name: 'Agents' }).waitFor();
    expect(await sam.page.getByLabel('Organisation').locator('option:checked').textContent()).toBe(
      'Closer Demo',
    );
    await sam.context.close();

    await page.reload();
    await page.getByRole('tab', { name: 'Members' }).click();
    const role = page.getByLabel('Role of sam@sunny.example');
    expect(await role.inputValue()).toBe('admin');
    await role.selectOption('member');
    await page.getByText('Role of sam@sunny.example changed').waitFor();
    const [member] = await stack.db.query<{ role: string }>(
      `select m.role from organization_members m join auth.users u on u.id = m.user_id
       where u.email = 'sam@sunny.example' and m.org_id = $1`,
      [DEMO_ORG_ID],
    );
    expect(member?.role).toBe('member');
  });

  it('renames the organisation, and the switcher follows', async () => {
    await page.getByRole('tab', { name: 'Organisation' }).click();
    await page.getByLabel('Name', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    expect(await page.getByLabel('Name', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Name', { exact: true }).fill('SunPeak Solar LLC');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect
      .poll(() => page.getByLabel('Organisation').locator('option:checked').textContent())
      .toBe('SunPeak Solar LLC');
    const [org] = await stack.db.query<{ name: string }>('select name from organizations where id = $1', [
      DEMO_ORG_ID,
    ]);
    expect(org?.name).toBe('SunPeak Solar LLC');
  });

  it('shows the Kommo connection as not connected, with the way to connect', async () => {
    await page.getByRole('tab', { name: 'Kommo CRM' }).click();
    expect(await page.getByTestId('kommo-status').textContent()).toBe('Not connected');
    await page.getByRole('button', { name: 'Connect Kommo' }).waitFor();
    expect(problems).toEqual([]);
  });

  it('gives a connected account the Salesbot URL, the bot to paste and the widget for the chosen agent', async () => {
    await stack.db.query(
      `insert into kommo_connections (org_id, subdomain, account_id, status, last_sync_at) values ($1, 'acme', 1, 'connected', now())
       on conflict (org_id) do update set status = 'connected', subdomain = 'acme', last_sync_at = now()`,
      [DEMO_ORG_ID],
    );
    await page.getByRole('tab', { name: 'Organisation' }).click();
    await page.getByRole('tab', { name: 'Kommo CRM' }).click();
    const section = page.getByTestId('kommo-chat');
    await section.getByRole('heading', { name: "Answer Kommo's chats" }).waitFor();
    const agents = await stack.db.query<{ id: string; name: string }>(
      'select id, name from agents where org_id = $1 order by created_at, id',
      [DEMO_ORG_ID],
    );
    const url = (id: string) => `https://closer.example/functions/v1/kommo/salesbot?agent=${id}`;
    const shownUrl = () => section.getByTestId('salesbot-url').textContent();
    await expect.poll(shownUrl).toMatch(/kommo\/salesbot\?agent=/);
    const other = agents[1]!; // the demo's second agent (the first is chosen at first)
    await section.getByLabel('Agent').selectOption(other.id);
    await expect.poll(shownUrl).toBe(url(other.id));
    const bot = JSON.parse((await section.getByTestId('salesbot-source').textContent())!);
    expect(bot[0].question[0]).toMatchObject({ handler: 'widget_request', params: { url: url(other.id) } });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      section.getByRole('button', { name: 'Download the widget' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('closer-salesbot-widget.zip');
    expect(await axeViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });
});
