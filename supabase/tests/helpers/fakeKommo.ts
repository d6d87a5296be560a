// A stand-in for one Kommo account (acme.kommo.com), from Kommo's API v4 documentation: OAuth token endpoint
// with refresh-token rotation, hal+json reads, problem+json errors, and switches for storms and revocations.
import { SignJWT } from 'jose';
import { HttpResponse, http } from 'msw';
import { TEST_ENCRYPTION_KEY } from './encryptionKey.ts';

export const KOMMO_ENV = {
  KOMMO_CLIENT_ID: 'b3f1c2a0-integration-id',
  KOMMO_CLIENT_SECRET: 'integration-secret-value',
  KOMMO_REDIRECT_URI: 'https://demo-project.supabase.co/functions/v1/kommo/oauth/callback',
  CLOSER_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
};

const BASE = 'https://acme.kommo.com';
export const KOMMO_ACCOUNT_ID = 28805383;

/** A continue of a Salesbot run as the stand-in received it. */
export interface ReceivedContinue {
  botId: number;
  continueId: number;
  body: {
    data?: Record<string, string>;
    execute_handlers?: { handler: string; params: { type?: string; value?: string; step?: number } }[];
  };
  /** What the stand-in answered: 200 accepted, else refused or failed. */
  status: number;
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class FakeKommo {
  issued = 0;
  refreshCalls = 0;
  validAccess = new Set<string>();
  validRefresh = new Set<string>();
  /** Answers queued before the real one for API reads: 429s, 502s. */
  failures: Response[] = [];
  apiCalls: string[] = [];
  /** When each API read arrived (ms), to check the requests-per-second limit. */
  readTimes: number[] = [];
  /** Leads created through /api/v4/leads/complex (each with its contact), and notes added. */
  leads: { id: number; name: string; body: Record<string, unknown>; contactId: number }[] = [];
  contacts: { id: number; name: string; custom_fields_values: unknown[] }[] = [];
  notes: { entity_id: number; note_type: string; params: { text: string } }[] = [];
  /** Tasks added through `POST /api/v4/tasks`, with the id Kommo gave each. */
  tasks: {
    id: number;
    text: string;
    /** Both or neither: a task may belong to no entity. */
    entity_id?: number;
    entity_type?: string;
    task_type_id?: number;
    complete_till: number;
    responsible_user_id?: number;
    updated_at: number;
  }[] = [];
  /**
   * What the next task additions do: `lost-answer` (added, the answer lost), `502` (Kommo failed, nothing added)
   * or `400` (refused: a validation error naming the field, nothing added).
   */
  taskFailures: ('lost-answer' | '502' | '400')[] = [];
  /** Every PATCH of a lead or a contact, in order: `PATCH /api/v4/contacts/30000001` and its body. */
  patches: { path: string; body: Record<string, unknown> }[] = [];
  /**
   * What the next lead creations do before (or instead of) answering normally. `{ delayMs }`: Kommo works on
   * it that long, then creates the lead and answers (to nobody, if the caller gave up meanwhile).
   */
  createFailures: ('429' | '502' | 'lost-answer' | '400' | '400-null' | '400-nul' | { delayMs: number })[] =
    [];
  /**
   * Fields laid over the entry of the next lead creations' answers (the lead is created all the same): odd
   * answers such as `{ id: null }`, `{ id: -3 }`, or `{ id: undefined }` for an entry without an id.
   */
  oddCreateAnswers: Record<string, unknown>[] = [];
  /** The same for the next PATCH answers of a lead or a contact (the change is made all the same). */
  oddPatchAnswers: Record<string, unknown>[] = [];
  /** The same for notes: the note is added, then the answer is lost or comes late. */
  noteFailures: ('lost-answer' | { delayMs: number })[] = [];
  /** While set, the token endpoint holds refresh answers until it resolves. */
  refreshGate: Promise<void> | null = null;
  /** How long every API read takes to answer. */
  readDelayMs = 0;
  /** Webhooks subscribed through the API; `refuseWebhooks` answers as for a plan or user without the right. */
  webhooks: { destination: string; settings: string[] }[] = [];
  refuseWebhooks = false;
  /**
   * Leads deleted in Kommo (a salesperson removed them), with how Kommo answers a read or an update of one:
   * 404 problem+json, or 204 with no body (as it answers for an entity it no longer lists).
   */
  deletedLeads = new Map<number, 404 | 204>();
  /** Every continue of a Salesbot run received, in order (accepted or not). */
  continues: ReceivedContinue[] = [];
  /**
   * What the next continues answer instead of accepting: 429 (nothing happened), 502 (Kommo failed after
   * continuing the bot: the reply went out), or `expired` (the bot no longer waits at that continue id).
   */
  continueFailures: ('429' | '502' | 'expired')[] = [];
  /** The account's users, served in pages. */
  users = [{ id: 504141, name: 'Olga Petrova', email: 'olga@acme.example' as string | null, lang: 'ru' }];

  /** Fields that replace those of the next token answers, first one first (odd answers: NUL, no expiry). */
  oddTokenAnswers: Record<string, unknown>[] = [];
  /** The `hint` of a refused refresh (Kommo's own words; odd ones: NUL, not text). */
  refusalHint: unknown = 'Token has been revoked';

  private pair() {
    const n = ++this.issued;
    this.validAccess.add(`access-${n}`);
    this.validRefresh.add(`refresh-${n}`);
    return {
      token_type: 'Bearer',
      expires_in: 86400,
      access_token: `access-${n}`,
      refresh_token: `refresh-${n}`,
      ...this.oddTokenAnswers.shift(),
    };
  }

  /** The tag names a lead has now (created with, then changed by tags_to_add / tags_to_delete). */
  tagsOf(id: number): string[] {
    const lead = this.leads.find((l) => l.id === id);
    return ((lead?.body._embedded as { tags?: { name: string }[] } | undefined)?.tags ?? []).map(
      (t) => t.name,
    );
  }

  /** The stage a lead is in now: created in, or moved to by a PATCH. */
  stageOf(id: number): number | undefined {
    const lead = this.leads.find((l) => l.id === id) as
      | { status_id?: number; body: { status_id?: number } }
      | undefined;
    return lead?.status_id ?? lead?.body.status_id;
  }

  /** A salesperson deletes a lead in Kommo; later reads and updates of it answer `answer`. */
  deleteLead(id: number, answer: 404 | 204): void {
    this.leads = this.leads.filter((lead) => lead.id !== id);
    this.deletedLeads.set(id, answer);
  }

  /**
   * The token a Salesbot `widget_request` carries: HS512 with the integration's secret, Kommo's claims. Options
   * make the bad ones: another algorithm or secret, already expired.
   */
  async salesbotToken(
    claims: Record<string, unknown> = {},
    options: { alg?: 'HS512' | 'HS256'; secret?: string; expiresInSeconds?: number } = {},
  ): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: BASE,
      subdomain: 'acme',
      account_id: KOMMO_ACCOUNT_ID,
      client_uuid: KOMMO_ENV.KOMMO_CLIENT_ID,
      entity_id: 7770001,
      entity_type: 2,
      bot_type: 'salesbot',
      ...claims,
    })
      .setProtectedHeader({ alg: options.alg ?? 'HS512', typ: 'JWT' })
      .setIssuedAt(now)
      .setExpirationTime(now + (options.expiresInSeconds ?? 600))
      .sign(new TextEncoder().encode(options.secret ?? KOMMO_ENV.KOMMO_CLIENT_SECRET));
  }

  /** Kommo revokes a token (uninstall, secret regenerated): the API answers 401 to it. */
  revokeAccess(token: string) {
    this.validAccess.delete(token);
  }

  get handlers() {
    const problem = (status: number, title: string, detail: string) =>
      HttpResponse.json(
        { title, type: 'https://httpstatus.es/' + status, status, detail },
        {
          status,
          headers: { 'content-type': 'application/problem+json' },
        },
      );
    const authorised = (request: Request) =>
      this.validAccess.has((request.headers.get('authorization') ?? '').replace(/^Bearer /, ''));
    const read =
      (body: () => unknown) =>
      async ({ request }: { request: Request }) => {
        this.apiCalls.push(new URL(request.url).pathname);
        this.readTimes.push(Date.now());
        if (this.readDelayMs) await sleep(this.readDelayMs);
        if (!authorised(request)) return problem(401, 'Unauthorized', 'Invalid access token');
        const failure = this.failures.shift();
        if (failure) return failure;
        return HttpResponse.json(body() as never, { headers: { 'content-type': 'application/hal+json' } });
      };
    return [
      http.post(`${BASE}/oauth2/access_token`, async ({ request }) => {
        const body = (await request.json()) as Record<string, string>;
        if (
          body.client_id !== KOMMO_ENV.KOMMO_CLIENT_ID ||
          body.client_secret !== KOMMO_ENV.KOMMO_CLIENT_SECRET
        ) {
          return problem(401, 'Unauthorized', 'Client authentication failed');
        }
        if (body.grant_type === 'authorization_code') {
          return body.code === 'good-code'
            ? HttpResponse.json(this.pair())
            : HttpResponse.json(
                { hint: 'Authorization code has expired', title: 'Bad request', status: 400 },
                { status: 400 },
              );
        }
        this.refreshCalls++;
        if (!this.validRefresh.has(body.refresh_token ?? '')) {
          return HttpResponse.json(
            { hint: this.refusalHint, title: 'Unauthorized', status: 401 },
            { status: 401 },
          );
        }
        // Rotation: the used refresh token and its access token die with the new pair.
        this.validRefresh.delete(body.refresh_token!);
        await new Promise((resolve) => setTimeout(resolve, 30));
        await this.refreshGate;
        return HttpResponse.json(this.pair());
      }),
      http.get(
        `${BASE}/api/v4/leads/pipelines`,
        read(() => ({
          _total_items: 2,
          _links: { self: { href: `${BASE}/api/v4/leads/pipelines` } },
          _embedded: {
            pipelines: [
              {
                id: 3177727,
                name: 'Sales',
                sort: 1,
                is_main: true,
                is_unsorted_on: true,
                account_id: 28805383,
                _embedded: {
                  statuses: [
                    {
                      id: 32392156,
                      name: 'Incoming leads',
                      sort: 10,
                      is_editable: false,
                      pipeline_id: 3177727,
                      type: 1,
                    },
                    {
                      id: 32392159,
                      name: 'Initial contact',
                      sort: 20,
                      is_editable: true,
                      pipeline_id: 3177727,
                      type: 0,
                    },
                    {
                      id: 142,
                      name: 'Closed - won',
                      sort: 10000,
                      is_editable: false,
                      pipeline_id: 3177727,
                      type: 0,
                    },
                    {
                      id: 143,
                      name: 'Closed - lost',
                      sort: 11000,
                      is_editable: false,
                      pipeline_id: 3177727,
                      type: 0,
                    },
                  ],
                },
              },
              {
                id: 3177730,
                name: 'Partners',
                sort: 2,
                is_main: false,
                is_unsorted_on: false,
                account_id: 28805383,
                _embedded: {
                  statuses: [
                    {
                      id: 32392170,
                      name: 'New partner',
                      sort: 10,
                      is_editable: true,
                      pipeline_id: 3177730,
                      type: 0,
                    },
                  ],
                },
              },
            ],
          },
        })),
      ),
      http.get(`${BASE}/api/v4/users`, (info) => {
        // Paged as Kommo pages: `page` and `limit` (≤ 250), `_links.next` while more remain.
        const url = new URL(info.request.url);
        const limit = Math.min(Number(url.searchParams.get('limit') ?? 50), 250);
        const page = Number(url.searchParams.get('page') ?? 1);
        const slice = this.users.slice((page - 1) * limit, page * limit);
        const more = page * limit < this.users.length;
        return read(() => ({
          _page: page,
          _links: {
            self: { href: url.href },
            ...(more ? { next: { href: `${BASE}/api/v4/users?page=${page + 1}&limit=${limit}` } } : {}),
          },
          _embedded: { users: slice },
        }))(info);
      }),
      http.post(`${BASE}/api/v4/leads/complex`, async ({ request }) => {
        this.apiCalls.push('/api/v4/leads/complex');
        if (!authorised(request)) return problem(401, 'Unauthorized', 'Invalid access token');
        const failure = this.createFailures.shift();
        if (failure === '429') return problem(429, 'Too Many Requests', 'Rate limit exceeded');
        if (failure === '502') return problem(502, 'Bad Gateway', 'Upstream error');
        // A gateway in front of Kommo answering JSON `null` (or anything but a problem object).
        if (failure === '400-null')
          return new HttpResponse('null', {
            status: 400,
            headers: { 'content-type': 'application/problem+json' },
          });
        // A problem whose words hold what no column can (NUL, a lone surrogate), as a proxy's garbling might.
        if (failure === '400-nul')
          return problem(400, 'Bad\u0000Request', 'status_id \ud800 is not valid\u0000');
        if (failure === '400') {
          return HttpResponse.json(
            {
              title: 'Bad Request',
              status: 400,
              'validation-errors': [
                {
                  request_id: '0',
                  errors: [
                    {
                      code: 'NotSupportedChoice',
                      path: 'status_id',
                      detail: 'The value you have selected is not valid.',
                    },
                  ],
                },
              ],
            },
            { status: 400, headers: { 'content-type': 'application/problem+json' } },
          );
        }
        const leads = (await request.json()) as Record<string, unknown>[];
        if (typeof failure === 'object') await sleep(failure.delayMs);
        const created = leads.map((body, i) => {
          const id = 19000000 + this.leads.length + 1;
          const contact = ((body._embedded as { contacts?: FakeKommo['contacts'] })?.contacts ?? [])[0];
          const contactId = 30000000 + id;
          this.contacts.push({
            id: contactId,
            name: contact?.name ?? '',
            custom_fields_values: contact?.custom_fields_values ?? [],
          });
          this.leads.push({ id, name: String(body.name), body, contactId });
          return {
            id,
            contact_id: contactId,
            company_id: null,
            request_id: [String(i)],
            merged: false,
            ...this.oddCreateAnswers.shift(),
          };
        });
        // Kommo created it, but the answer never arrives.
        if (failure === 'lost-answer') return HttpResponse.error();
        return HttpResponse.json(created, { headers: { 'content-type': 'application/hal+json' } });
      }),
      http.get(`${BASE}/api/v4/leads`, ({ request }) => {
        this.apiCalls.push('/api/v4/leads');
        if (!authorised(request)) return problem(401, 'Unauthorized', 'Invalid access token');
        const url = new URL(request.url);
        const query = url.searchParams.get('query') ?? '';
        const found = this.leads.filter((lead) => lead.name.includes(query));
        // Kommo answers an empty list with 204 and no body.
        if (found.length === 0) return new HttpResponse(null, { status: 204 });
        const withContacts = (url.searchParams.get('with') ?? '').split(',').includes('contacts');
        return HttpResponse.json(
          { _embedded: { leads: found.map((lead) => this.leadJson(lead, withContacts)) } },
          { headers: { 'content-type': 'application/hal+json' } },
        );
      }),
      http.get(`${BASE}/api/v4/leads/:id/notes`, ({ request, params }) => {
        this.apiCalls.push('GET /api/v4/leads/:id/notes');
        if (!authorised(request)) return problem(401, 'Unauthorized', 'Invalid access token');
        const type = new URL(request.url).searchParams.get('filter[note_type]');
        const notes = this.notes.filter(
          (n) => n.entity_id === Number(params.id) && (!type || n.note_type === type),
        );
        if (notes.length === 0) return new HttpResponse(null, { status: 204 });
        return HttpResponse.json(
          { _embedded: { notes: notes.map((n, i) => ({ id: 700 + i, ...n })) } },
          { headers: { 'content-type': 'application/hal+json' } },
        );
      }),
      http.patch(`${BASE}/api/v4/:entity/:id`, async ({ request, params }) => {
        const path = `PATCH /api/v4/${params.entity}/${params.id}`;
        this.apiCalls.push(path);
        if (!authorised(request)) return problem(401, 'Unauthorized', 'Invalid access token');
        const body = (await request.json()) as Record<string, unknown>;
        if (params.entity === 'leads' && this.deletedLeads.get(Number(params.id)) === 204)
          return new HttpResponse(null, { status: 204 });
        const target =
          params.entity === 'leads'
            ? this.leads.find((l) => l.id === Number(params.id))
            : params.entity === 'contacts'
              ? this.contacts.find((c) => c.id === Number(params.id))
              : undefined;
        if (!target) return problem(404, 'Not Found', 'No such entity');
        this.patches.push({ path, body });
        const {
          tags_to_add: add,
          tags_to_delete: remove,
          ...rest
        } = body as {
          tags_to_add?: { name: string }[];
          tags_to_delete?: { name: string }[];
        };
        if ('body' in target && (add || remove)) {
          target.body._embedded ??= {};
          const embedded = target.body._embedded as { tags?: { name: string }[] };
          const names = new Set((embedded.tags ?? []).map((t) => t.name));
          for (const tag of remove ?? []) names.delete(tag.name);
          for (const tag of add ?? []) names.add(tag.name);
          embedded.tags = [...names].map((name) => ({ name }));
        }
        Object.assign(target, rest);
        return HttpResponse.json(
          {
            id: target.id,
            updated_at: Math.floor(Date.now() / 1000),
            _links: {},
            ...this.oddPatchAnswers.shift(),
          },
          { headers: { 'content-type': 'application/hal+json' } },
        );
      }),
      http.post(`${BASE}/api/v4/leads/notes`, async ({ request }) => {
        this.apiCalls.push('/api/v4/leads/notes');
        if (!authorised(request)) return problem(401, 'Unauthorized', 'Invalid access token');
        const notes = (await request.json()) as FakeKommo['notes'];
        const failure = this.noteFailures.shift();
        if (typeof failure === 'object') await sleep(failure.delayMs);
        this.notes.push(...notes);
        if (failure === 'lost-answer') return HttpResponse.error();
        return HttpResponse.json({
          _embedded: { notes: notes.map((n, i) => ({ id: 700 + i, entity_id: n.entity_id })) },
        });
      }),
      http.post(`${BASE}/api/v4/tasks`, async ({ request }) => {
        this.apiCalls.push('POST /api/v4/tasks');
        if (!authorised(request)) return problem(401, 'Unauthorized', 'Invalid access token');
        const tasks = (await request.json()) as Omit<FakeKommo['tasks'][number], 'id' | 'updated_at'>[];
        const missing = tasks.findIndex((t) => !t.text || !t.complete_till);
        if (missing !== -1)
          return problem(400, 'Bad Request', `Task ${missing}: text and complete_till are required`);
        const unpaired = tasks.findIndex(
          (t) => (t.entity_id === undefined) !== (t.entity_type === undefined),
        );
        if (unpaired !== -1)
          return problem(400, 'Bad Request', `Task ${unpaired}: entity_id and entity_type go together`);
        const failure = this.taskFailures.shift();
        if (failure === '502') return problem(502, 'Bad Gateway', 'Upstream error');
        if (failure === '400') {
          return HttpResponse.json(
            {
              title: 'Bad Request',
              status: 400,
              'validation-errors': [
                {
                  request_id: '0',
                  errors: [
                    { code: 'NotSupportedChoice', path: 'responsible_user_id', detail: 'User not found' },
                  ],
                },
              ],
            },
            { status: 400, headers: { 'content-type': 'application/problem+json' } },
          );
        }
        const now = Math.floor(Date.now() / 1000);
        const added = tasks.map((task, i) => ({
          id: 9100 + this.tasks.length + i,
          ...task,
          updated_at: now,
        }));
        this.tasks.push(...added);
        if (failure === 'lost-answer') return HttpResponse.error();
        return HttpResponse.json(
          { _embedded: { tasks: added.map((t, i) => ({ id: t.id, request_id: String(i) })) } },
          { headers: { 'content-type': 'application/hal+json' } },
        );
      }),
      http.get(`${BASE}/api/v4/tasks`, ({ request }) => {
        this.apiCalls.push('GET /api/v4/tasks');
        if (!authorised(request)) return problem(401, 'Unauthorized', 'Invalid access token');
        const url = new URL(request.url);
        const type = url.searchParams.get('filter[entity_type]');
        const entity =
          url.searchParams.get('filter[entity_id]') ?? url.searchParams.get('filter[entity_id][]');
        const taskType = url.searchParams.get('filter[task_type]');
        const since = url.searchParams.get('filter[updated_at][from]');
        const found = this.tasks.filter(
          (t) =>
            (!type || t.entity_type === type) &&
            (!entity || t.entity_id === Number(entity)) &&
            (!taskType || t.task_type_id === Number(taskType)) &&
            (!since || t.updated_at >= Number(since)),
        );
        if (found.length === 0) return new HttpResponse(null, { status: 204 });
        return HttpResponse.json(
          { _embedded: { tasks: found } },
          { headers: { 'content-type': 'application/hal+json' } },
        );
      }),
      // Salesbot's continue: Kommo's limits enforced (≤ 10 handlers, `show` text ≤ 80 characters, ≤ 25 buttons);
      // a continue id is good for one continue.
      http.post(`${BASE}/api/v4/salesbot/:botId/continue/:continueId`, async ({ request, params }) => {
        this.apiCalls.push('POST /api/v4/salesbot/continue');
        if (!authorised(request)) return problem(401, 'Unauthorized', 'Invalid access token');
        const body = (await request.json()) as ReceivedContinue['body'];
        const received: ReceivedContinue = {
          botId: Number(params.botId),
          continueId: Number(params.continueId),
          body,
          status: 200,
        };
        this.continues.push(received);
        const answer = (status: number, detail: string) => {
          received.status = status;
          return status === 429
            ? HttpResponse.json(
                { title: 'Too Many Requests', status },
                { status, headers: { 'content-type': 'application/problem+json', 'retry-after': '0' } },
              )
            : problem(status, status === 404 ? 'Not Found' : 'Bad Request', detail);
        };
        const failure = this.continueFailures.shift();
        if (failure === '429') return answer(429, 'Rate limit exceeded');
        if (failure === 'expired') return answer(404, 'Bot not found or already finished');
        const handlers = body.execute_handlers ?? [];
        if (handlers.length > 10) return answer(400, 'execute_handlers: at most 10 handlers');
        for (const h of handlers) {
          if (h.handler === 'show' && (h.params.value ?? '').length > 80)
            return answer(400, 'show: value must not exceed 80 characters');
        }
        const earlier = this.continues.filter(
          (c) => c !== received && c.continueId === received.continueId && c.status === 200,
        );
        if (earlier.length) return answer(404, 'Bot not found or already finished');
        if (failure === '502') {
          received.status = 502;
          return problem(502, 'Bad Gateway', 'Upstream error');
        }
        return HttpResponse.json({}, { headers: { 'content-type': 'application/hal+json' } });
      }),
      http.post(`${BASE}/api/v4/webhooks`, async ({ request }) => {
        this.apiCalls.push('POST /api/v4/webhooks');
        if (!authorised(request)) return problem(401, 'Unauthorized', 'Invalid access token');
        if (this.refuseWebhooks)
          return problem(403, 'Forbidden', 'Webhooks are not available for this account');
        const hook = (await request.json()) as FakeKommo['webhooks'][number];
        this.webhooks = [...this.webhooks.filter((h) => h.destination !== hook.destination), hook];
        return HttpResponse.json(
          { id: 4001, ...hook, account_id: 28805383, created_by: 504141, sort: 1, disabled: false },
          { status: 201, headers: { 'content-type': 'application/hal+json' } },
        );
      }),
      http.delete(`${BASE}/api/v4/webhooks`, async ({ request }) => {
        this.apiCalls.push('DELETE /api/v4/webhooks');
        if (!authorised(request)) return problem(401, 'Unauthorized', 'Invalid access token');
        const { destination } = (await request.json()) as { destination: string };
        this.webhooks = this.webhooks.filter((h) => h.destination !== destination);
        return new HttpResponse(null, { status: 204 });
      }),
      http.get(
        `${BASE}/api/v4/leads/custom_fields`,
        read(() => ({
          _page: 1,
          _embedded: {
            custom_fields: [
              { id: 1119321, name: 'Source', type: 'text', code: null, sort: 500, entity_type: 'leads' },
              {
                id: 1119323,
                name: 'Customer need',
                type: 'textarea',
                code: null,
                sort: 501,
                entity_type: 'leads',
              },
              { id: 1119325, name: 'Budget', type: 'numeric', code: null, sort: 502, entity_type: 'leads' },
            ],
          },
        })),
      ),
      http.get(
        `${BASE}/api/v4/contacts/custom_fields`,
        read(() => ({
          _page: 1,
          _embedded: {
            custom_fields: [
              {
                id: 264911,
                name: 'Phone',
                type: 'multitext',
                code: 'PHONE',
                sort: 4,
                entity_type: 'contacts',
              },
              {
                id: 264913,
                name: 'Email',
                type: 'multitext',
                code: 'EMAIL',
                sort: 6,
                entity_type: 'contacts',
              },
              {
                id: 264915,
                name: 'Company name',
                type: 'text',
                code: null,
                sort: 8,
                entity_type: 'contacts',
              },
            ],
          },
        })),
      ),
      http.get(
        `${BASE}/api/v4/account`,
        read(() => ({ id: 28805383, name: 'Acme', subdomain: 'acme', country: 'ES' })),
      ),
      // Last: /leads/pipelines and /leads/custom_fields above are not lead ids.
      http.get(`${BASE}/api/v4/leads/:id`, ({ request, params }) => {
        this.apiCalls.push('GET /api/v4/leads/:id');
        if (!authorised(request)) return problem(401, 'Unauthorized', 'Invalid access token');
        const lead = this.leads.find((l) => l.id === Number(params.id));
        if (this.deletedLeads.get(Number(params.id)) === 204) return new HttpResponse(null, { status: 204 });
        if (!lead) return problem(404, 'Not Found', 'No such lead');
        const withContacts = (new URL(request.url).searchParams.get('with') ?? '').includes('contacts');
        return HttpResponse.json(this.leadJson(lead, withContacts), {
          headers: { 'content-type': 'application/hal+json' },
        });
      }),
    ];
  }

  /** A lead as Kommo lists it; `with=contacts` embeds its contacts (id and whether it is the main one). */
  private leadJson(lead: FakeKommo['leads'][number], withContacts: boolean) {
    const owner = (lead as { responsible_user_id?: number }).responsible_user_id;
    return {
      id: lead.id,
      name: lead.name,
      // Kommo always names one: the user who created the lead when nobody was given.
      responsible_user_id: owner ?? (lead.body.responsible_user_id as number | undefined) ?? 504141,
      ...(withContacts ? { _embedded: { contacts: [{ id: lead.contactId, is_main: true }] } } : {}),
    };
  }
}

export const problemResponse = (status: number, headers: Record<string, string> = {}) =>
  HttpResponse.json(
    { title: status === 429 ? 'Too Many Requests' : 'Bad Gateway', status },
    {
      status,
      headers: { 'content-type': 'application/problem+json', ...headers },
    },
  );
