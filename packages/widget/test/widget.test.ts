// The widget's behaviour in a DOM: streaming states, stop, failures that keep the visitor's words, history
// after a reload, the lead form, keyboard and focus, the script tag's queued calls. The server is a stand-in
// speaking DESIGN.md's wire format (the real one is exercised in the browser tests).
import { waitFor } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mount, type Widget } from '../src/index.ts';

const BROWSER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;
const CONFIG = {
  agentId: '00000000-0000-4000-8000-0000000000e1',
  name: 'Maya',
  greeting: 'Hi! Ask me about solar.',
  starterPrompts: ['How much could I save?'],
  theme: { accentColor: '#f59e0b', position: 'right', mode: 'auto' },
  locale: 'en',
  leadForm: {
    enabled: true,
    fields: [
      { field: 'name', required: true },
      { field: 'email', required: false },
    ],
    consentText: 'We only use this to contact you.',
    formAfterMessages: 0,
  },
  proactiveOpenSeconds: null,
};

interface Stand {
  requests: { path: string; method: string; body: unknown; headers: Headers }[];
  /** The next POST /chat answers with this; `stream` lets a test push events one by one. */
  next: Response | null;
  stream: { push(event: string, data: unknown): void; close(): void; aborted: boolean } | null;
  history: Record<string, unknown> | null;
  /** How many history reads answer 503 before `history` is served. */
  historyFailures: number;
}

function standIn(): { fetch: typeof fetch; stand: Stand } {
  const stand: Stand = { requests: [], next: null, stream: null, history: null, historyFailures: 0 };
  const fetcher: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const path = url.pathname.replace('/functions/v1', '');
    const body = request.method === 'POST' ? await request.clone().json() : undefined;
    stand.requests.push({ path, method: request.method, body, headers: request.headers });
    const json = (value: unknown, status = 200) =>
      new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });
    if (path === '/chat/config') return json(CONFIG);
    if (path.startsWith('/chat/conversations/')) {
      if (stand.historyFailures > 0) {
        stand.historyFailures -= 1;
        return json({ error: { code: 'unavailable', message: 'busy', requestId: 'r' } }, 503);
      }
      return stand.history
        ? json(stand.history)
        : json({ error: { code: 'not_found', message: 'gone', requestId: 'r' } }, 404);
    }
    if (path === '/chat/lead') {
      const fields = (body as { fields: Record<string, string> }).fields;
      return json({ id: 'lead-1', ...fields, crm: { state: 'not_connected' } }, 201);
    }
    if (path === '/chat') {
      if (stand.next) {
        const answer = stand.next;
        stand.next = null;
        return answer;
      }
      const encoder = new TextEncoder();
      let controller!: ReadableStreamDefaultController<Uint8Array>;
      const live = {
        aborted: false,
        push: (event: string, data: unknown) =>
          controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)),
        close: () => controller.close(),
      };
      request.signal.addEventListener('abort', () => {
        live.aborted = true;
      });
      stand.stream = live;
      return new Response(
        new ReadableStream({
          start: (c) => {
            controller = c;
          },
          cancel: () => {
            live.aborted = true;
          },
        }),
        { headers: { 'content-type': 'text/event-stream' } },
      );
    }
    return json({ error: { code: 'not_found', message: 'no route', requestId: 'r' } }, 404);
  };
  return { fetch: fetcher, stand };
}

let widget: Widget | null = null;
beforeEach(() => localStorage.clear());
afterEach(() => {
  widget?.destroy();
  widget = null;
});

const shadow = () => document.querySelector('closer-chat')!.shadowRoot!;
const $ = <T extends Element = HTMLElement>(selector: string) => shadow().querySelector<T>(selector);
const texts = (selector: string) =>
  [...shadow().querySelectorAll(selector)].map((el) => el.textContent?.trim());

async function openWidget() {
  const { fetch, stand } = standIn();
  widget = mount({ publishableKey: 'pk_test_abc', apiUrl: 'https://project.example/functions/v1', fetch });
  await widget.ready;
  widget.open();
  await waitFor(() => expect($('#closer-input')).toBeTruthy());
  return stand;
}

function type(text: string) {
  const input = $<HTMLTextAreaElement>('#closer-input')!;
  input.value = text;
  input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
}

describe('streaming a reply', () => {
  it('shows the typing indicator, then tokens as they arrive, then the finished reply', async () => {
    const stand = await openWidget();
    expect(texts('.msg.assistant')).toEqual(['Hi! Ask me about solar.']);
    type('How much does a 7 kW system cost?');
    await waitFor(() => expect($('.typing')).toBeTruthy());
    expect(texts('.msg.user')).toEqual(['You: How much does a 7 kW system cost?']);
    expect(stand.requests.at(-1)?.body).toEqual({
      message: 'How much does a 7 kW system cost?',
      timeZone: BROWSER_ZONE,
    });

    stand.stream!.push('start', { conversationId: 'c-1', messageId: 'm-1', visitorToken: 'vt-1' });
    stand.stream!.push('delta', { text: 'A 7 kW ' });
    await waitFor(() => expect(texts('.msg.assistant').at(-1)).toBe('Assistant: A 7 kW'));
    expect($('.typing')).toBeNull();
    expect($('.send')?.getAttribute('aria-label')).toBe('Stop');
    stand.stream!.push('delta', { text: 'system is **about $21,000**.' });
    await waitFor(() => expect($('.msg.assistant:last-of-type strong')?.textContent).toBe('about $21,000'));
    stand.stream!.push('done', {
      messageId: 'm-2',
      finishReason: 'stop',
      usage: { inputTokens: 9, outputTokens: 8 },
    });
    stand.stream!.close();
    await waitFor(() => expect($('.send')?.getAttribute('aria-label')).toBe('Send'));
    // The conversation is kept for the next page load.
    expect(JSON.parse(localStorage.getItem('closer:pk_test_abc')!)).toEqual({
      conversationId: 'c-1',
      visitorToken: 'vt-1',
      updatedAt: expect.any(Number),
    });
    // And the next message continues it.
    type('And with a battery?');
    await waitFor(() =>
      expect(stand.requests.at(-1)?.body).toEqual({
        message: 'And with a battery?',
        conversationId: 'c-1',
        timeZone: BROWSER_ZONE,
      }),
    );
    expect(stand.requests.at(-1)?.headers.get('x-visitor-token')).toBe('vt-1');
  });

  it('stops on request: the request is aborted and what arrived stays, marked', async () => {
    const stand = await openWidget();
    type('Tell me everything');
    await waitFor(() => expect(stand.stream).toBeTruthy());
    stand.stream!.push('start', { conversationId: 'c-2', messageId: 'm-1', visitorToken: 'vt-2' });
    stand.stream!.push('delta', { text: 'Solar panels turn ' });
    await waitFor(() => expect(texts('.msg.assistant').at(-1)).toContain('Solar panels turn'));
    $<HTMLButtonElement>('.send')!.click();
    await waitFor(() => expect($('.msg.assistant:last-of-type')?.dataset.status).toBe('stopped'));
    expect(stand.stream!.aborted).toBe(true);
    expect(texts('.msg.assistant').at(-1)).toBe('Assistant: Solar panels turn Stopped');
  });
});

describe('when sending fails, the visitor’s words stay', () => {
  it('says how long to wait when rate-limited, and retries the same message', async () => {
    const stand = await openWidget();
    stand.next = new Response(
      JSON.stringify({ error: { code: 'rate_limited', message: 'Slow down', requestId: 'r' } }),
      { status: 429, headers: { 'content-type': 'application/json', 'retry-after': '12' } },
    );
    type('Hello?');
    await waitFor(() => expect($('.alert')?.textContent).toContain('Too many messages. Try again in 12 s.'));
    expect($('.msg.user')?.dataset.status).toBe('failed');
    $<HTMLButtonElement>('.alert button')!.click();
    await waitFor(() => expect(stand.stream).toBeTruthy());
    expect(stand.requests.filter((r) => r.path === '/chat').map((r) => r.body)).toEqual([
      { message: 'Hello?', timeZone: BROWSER_ZONE },
      { message: 'Hello?', timeZone: BROWSER_ZONE },
    ]);
    expect(texts('.msg.user')).toEqual(['You: Hello?']);
    expect($('.alert')).toBeNull();
  });

  it.each([
    ['the browser says it is offline', false, 'You are offline'],
    ['the browser says it is online: not blamed on the visitor', true, 'The connection was interrupted'],
  ])('keeps the message for the retry when the request fails and %s', async (_, onLine, shown) => {
    const online = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(navigator), 'onLine');
    Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => onLine });
    const offline = standIn();
    let first = true;
    // A rejected fetch is what the browser gives when the network is gone.
    const flaky: typeof fetch = (input, init) => {
      if (String(input).endsWith('/chat') && first) {
        first = false;
        return Promise.reject(new TypeError('Failed to fetch'));
      }
      return offline.fetch(input, init);
    };
    widget = mount({
      publishableKey: 'pk_test_abc',
      apiUrl: 'https://project.example/functions/v1',
      fetch: flaky,
    });
    await widget.ready;
    widget.open();
    await waitFor(() => expect($('#closer-input')).toBeTruthy());
    type('Are you there?');
    await waitFor(() => expect($('.alert')?.textContent).toContain(shown));
    delete (navigator as { onLine?: boolean }).onLine;
    if (online) Object.defineProperty(Object.getPrototypeOf(navigator), 'onLine', online);
    expect(texts('.msg.user')).toEqual(['You: Are you there?Something went wrong. Please try again.']);
    $<HTMLButtonElement>('.alert button')!.click();
    await waitFor(() => expect(offline.stand.stream).toBeTruthy());
    expect(offline.stand.requests.find((r) => r.path === '/chat')?.body).toEqual({
      message: 'Are you there?',
      timeZone: BROWSER_ZONE,
    });
  });

  it('tells the visitor a refused message cannot be sent (no useless Try again) and the owner why', async () => {
    const stand = standIn();
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const refusing: typeof fetch = (input, init) =>
      String(input).endsWith('/chat')
        ? Promise.resolve(
            new Response(
              JSON.stringify({
                error: {
                  code: 'validation_failed',
                  message: 'message: at most 4000 characters',
                  requestId: 'r1',
                },
              }),
              { status: 422, headers: { 'content-type': 'application/json' } },
            ),
          )
        : stand.fetch(input, init);
    widget = mount({
      publishableKey: 'pk_test_abc',
      apiUrl: 'https://project.example/functions/v1',
      fetch: refusing,
    });
    await widget.ready;
    widget.open();
    await waitFor(() => expect($('#closer-input')).toBeTruthy());
    type('A message the API refuses');
    await waitFor(() => expect($('.alert')?.textContent).toContain('This message could not be sent.'));
    expect($('.alert button')).toBeNull();
    expect(errors.mock.calls.map(String).join('\n')).toMatch(
      /Closer: the API refused a visitor's message as invalid \(HTTP 422: POST \/chat: message: at most 4000 characters\)/,
    );
    errors.mockRestore();
  });

  it('reports an upstream failure inside the stream and keeps the partial reply', async () => {
    const stand = await openWidget();
    type('Price?');
    await waitFor(() => expect(stand.stream).toBeTruthy());
    stand.stream!.push('start', { conversationId: 'c-3', messageId: 'm-1', visitorToken: 'vt-3' });
    stand.stream!.push('delta', { text: 'It depends on ' });
    stand.stream!.push('error', { code: 'upstream_error', message: 'The model failed' });
    stand.stream!.close();
    await waitFor(() => expect($('.alert')?.textContent).toContain('The assistant is unavailable right now'));
    expect($('.msg.assistant:last-of-type')?.dataset.status).toBe('interrupted');
    expect($('.msg.user')?.dataset.status).toBe('complete');
  });
});

describe('history and leads', () => {
  it('restores the saved conversation on the next page load, and “new conversation” starts over', async () => {
    localStorage.setItem(
      'closer:pk_test_abc',
      JSON.stringify({ conversationId: 'c-9', visitorToken: 'vt-9' }),
    );
    const { fetch, stand } = standIn();
    stand.history = {
      id: 'c-9',
      leadId: null,
      messages: [
        { id: '1', role: 'user', content: 'Do you install in Tucson?', status: 'complete' },
        { id: '2', role: 'assistant', content: 'Yes, all of **Tucson**.', status: 'complete' },
      ],
    };
    widget = mount({
      publishableKey: 'pk_test_abc',
      apiUrl: 'https://project.example/functions/v1',
      fetch,
      open: true,
    });
    await widget.ready;
    await waitFor(() => expect(texts('.msg.user')).toEqual(['You: Do you install in Tucson?']));
    expect(
      stand.requests.find((r) => r.path === '/chat/conversations/c-9')?.headers.get('x-visitor-token'),
    ).toBe('vt-9');
    expect($('.msg.assistant:last-of-type strong')?.textContent).toBe('Tucson');
    $<HTMLButtonElement>('button[aria-label="New conversation"]')!.click();
    await waitFor(() => expect(texts('.msg.user')).toEqual([]));
    expect(localStorage.getItem('closer:pk_test_abc') ?? '').not.toMatch(/conversationId|visitorToken|vt/);
  });

  it('forgets a saved conversation the server no longer knows', async () => {
    localStorage.setItem(
      'closer:pk_test_abc',
      JSON.stringify({ conversationId: 'c-gone', visitorToken: 'vt' }),
    );
    await openWidget();
    expect(localStorage.getItem('closer:pk_test_abc') ?? '').not.toMatch(/conversationId|visitorToken|vt/);
  });

  it('keeps a saved conversation the server failed to read, and reads it again before the next message', async () => {
    localStorage.setItem(
      'closer:pk_test_abc',
      JSON.stringify({ conversationId: 'c-9', visitorToken: 'vt-9' }),
    );
    const { fetch, stand } = standIn();
    stand.historyFailures = 1;
    stand.history = {
      id: 'c-9',
      leadId: null,
      messages: [{ id: '1', role: 'user', content: 'Do you install in Tucson?', status: 'complete' }],
    };
    widget = mount({ publishableKey: 'pk_test_abc', apiUrl: 'https://project.example/functions/v1', fetch });
    await widget.ready;
    widget.open();
    await waitFor(() => expect($('#closer-input')).toBeTruthy());
    await waitFor(() => expect(stand.historyFailures).toBe(0));
    expect(localStorage.getItem('closer:pk_test_abc')).toMatch(/c-9/);
    type('And in Phoenix?');
    await waitFor(() => expect(stand.stream).toBeTruthy());
    expect(texts('.msg.user')).toEqual(['You: Do you install in Tucson?', 'You: And in Phoenix?']);
    const sent = stand.requests.find((r) => r.path === '/chat')!;
    expect(sent.body).toMatchObject({ conversationId: 'c-9', message: 'And in Phoenix?' });
    expect(sent.headers.get('x-visitor-token')).toBe('vt-9');
  });

  it('checks the lead form’s fields, then posts them with the visitor token', async () => {
    const stand = await openWidget();
    const events: unknown[] = [];
    widget!.on('lead', (lead) => events.push(lead));
    widget!.identify({ email: 'ann@example.com' });
    type('I want a quote');
    await waitFor(() => expect(stand.stream).toBeTruthy());
    stand.stream!.push('start', { conversationId: 'c-4', messageId: 'm-1', visitorToken: 'vt-4' });
    stand.stream!.push('done', {
      messageId: 'm-2',
      finishReason: 'stop',
      usage: { inputTokens: 1, outputTokens: 1 },
    });
    stand.stream!.close();
    await waitFor(() => expect($('.footer-chip')).toBeTruthy());
    $<HTMLButtonElement>('.footer-chip')!.click();
    await waitFor(() => expect($('form.lead')).toBeTruthy());
    expect($<HTMLInputElement>('#closer-lead-email')!.value).toBe('ann@example.com');
    expect($('.consent')?.textContent).toBe('We only use this to contact you.');
    $<HTMLButtonElement>('form.lead button[type=submit]')!.click();
    await waitFor(() => expect($('#closer-lead-name-error')?.textContent).toBe('Required'));
    expect($('#closer-lead-name')?.getAttribute('aria-invalid')).toBe('true');
    const name = $<HTMLInputElement>('#closer-lead-name')!;
    name.value = 'Ann Lee';
    name.dispatchEvent(new Event('input', { bubbles: true }));
    const email = $<HTMLInputElement>('#closer-lead-email')!;
    email.value = 'ann@';
    email.dispatchEvent(new Event('input', { bubbles: true }));
    $<HTMLButtonElement>('form.lead button[type=submit]')!.click();
    await waitFor(() => expect($('#closer-lead-email-error')?.textContent).toBe('Enter a valid email'));
    email.value = 'ann@example.com';
    email.dispatchEvent(new Event('input', { bubbles: true }));
    $<HTMLButtonElement>('form.lead button[type=submit]')!.click();
    await waitFor(() => expect($('.thanks')?.textContent).toBe('Thank you! We will be in touch.'));
    const posted = stand.requests.find((r) => r.path === '/chat/lead')!;
    expect(posted.body).toEqual({
      conversationId: 'c-4',
      fields: { name: 'Ann Lee', email: 'ann@example.com' },
    });
    expect(posted.headers.get('x-visitor-token')).toBe('vt-4');
    expect(events).toEqual([{ leadId: 'lead-1', fields: { name: 'Ann Lee', email: 'ann@example.com' } }]);
  });
});

describe('keyboard, focus and events', () => {
  it('opens into the input, closes on Esc back to the bubble, and reports both', async () => {
    const { fetch } = standIn();
    widget = mount({ publishableKey: 'pk_test_abc', apiUrl: 'https://project.example/functions/v1', fetch });
    await widget.ready;
    const seen: string[] = [];
    widget.on('open', () => seen.push('open'));
    widget.on('close', () => seen.push('close'));
    const bubble = $<HTMLButtonElement>('.bubble')!;
    expect(bubble.getAttribute('aria-expanded')).toBe('false');
    bubble.click();
    await waitFor(() => expect(shadow().activeElement?.id).toBe('closer-input'));
    expect($('[role=dialog]')?.getAttribute('aria-labelledby')).toBe('closer-title');
    expect($('#closer-title')?.textContent).toBe('Chat with \u2068Maya\u2069');
    $('#closer-input')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    await waitFor(() => expect($('[role=dialog]')).toBeNull());
    await waitFor(() => expect(shadow().activeElement?.className).toBe('bubble'));
    expect(seen).toEqual(['open', 'close']);
  });

  it('follows the locale: Russian strings, and right-to-left for Arabic', async () => {
    const { fetch } = standIn();
    widget = mount({
      publishableKey: 'pk_test_abc',
      apiUrl: 'https://x.example/functions/v1',
      fetch,
      locale: 'ru',
    });
    await widget.ready;
    expect($('.bubble')?.getAttribute('aria-label')).toBe('Открыть чат');
    widget.destroy();
    widget = mount({
      publishableKey: 'pk_test_abc',
      apiUrl: 'https://x.example/functions/v1',
      fetch,
      locale: 'ar',
    });
    await widget.ready;
    expect($('.root')?.getAttribute('dir')).toBe('rtl');
  });

  it('replays calls a page queued before the script loaded', async () => {
    const { fetch, stand } = standIn();
    const queued: unknown[][] = [];
    const opened: string[] = [];
    (window as unknown as { Closer: unknown }).Closer = Object.assign(() => undefined, { q: queued });
    // closer.js injects closer-panel.js, which registers itself like this (a browser test loads the real file).
    (window as unknown as { __closerPanel: unknown }).__closerPanel = (
      await import('../src/panel/mountPanel.ts')
    ).mountPanel;
    queued.push(['init', { publishableKey: 'pk_test_abc', apiUrl: 'https://x.example/functions/v1', fetch }]);
    queued.push(['on', 'open', () => opened.push('open')]);
    queued.push(['open']);
    await import('../src/embed.ts');
    const api = (window as unknown as { Closer: Widget & ((m: string, ...a: unknown[]) => unknown) }).Closer;
    widget = api;
    await api.ready;
    expect(opened).toEqual(['open']);
    expect($('[role=dialog]')).toBeTruthy();
    api('close');
    await waitFor(() => expect($('[role=dialog]')).toBeNull());
    expect(stand.requests.some((r) => r.path === '/chat/config')).toBe(true);
  });
});

describe('inline mode, proactive open, unread badge, announcements', () => {
  it('renders the panel inside a page element, always open, with no bubble', async () => {
    const { fetch } = standIn();
    const target = document.createElement('div');
    target.id = 'support';
    document.body.appendChild(target);
    widget = mount({
      publishableKey: 'pk_test_abc',
      apiUrl: 'https://x.example/functions/v1',
      fetch,
      target,
    });
    await widget.ready;
    expect(target.querySelector('closer-chat')).toBeTruthy();
    await waitFor(() => expect($('[role=dialog]')).toBeTruthy());
    expect($('.bubble')).toBeNull();
    expect($('button[aria-label="Close chat"]')).toBeNull();
    widget.destroy();
    widget = null;
    expect(target.querySelector('closer-chat')).toBeNull();
    target.remove();
  });

  it('opens by itself after the agent’s delay, once per browser session', async () => {
    sessionStorage.clear();
    const { fetch } = standIn();
    const proactive: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/chat/config')) {
        return new Response(JSON.stringify({ ...CONFIG, proactiveOpenSeconds: 1 }), {
          headers: { 'content-type': 'application/json' },
        });
      }
      return fetch(input, init);
    };
    widget = mount({
      publishableKey: 'pk_test_abc',
      apiUrl: 'https://x.example/functions/v1',
      fetch: proactive,
    });
    await widget.ready;
    expect($('[role=dialog]')).toBeNull();
    await waitFor(() => expect($('[role=dialog]')).toBeTruthy());
    widget.destroy();
    widget = mount({
      publishableKey: 'pk_test_abc',
      apiUrl: 'https://x.example/functions/v1',
      fetch: proactive,
    });
    await widget.ready;
    await new Promise((resolve) => setTimeout(resolve, 1300));
    expect($('[role=dialog]')).toBeNull();
  });

  it('counts replies that finish while closed, and announces them by sentence', async () => {
    const stand = await openWidget();
    type('Hi');
    await waitFor(() => expect(stand.stream).toBeTruthy());
    widget!.close();
    stand.stream!.push('start', { conversationId: 'c-5', messageId: 'm-1', visitorToken: 'vt-5' });
    stand.stream!.push('delta', { text: 'Hello there. We install' });
    await waitFor(() => expect($('.sr[aria-live=polite]')?.textContent).toBe('Hello there.'));
    stand.stream!.push('delta', { text: ' panels' });
    stand.stream!.push('done', {
      messageId: 'm-2',
      finishReason: 'stop',
      usage: { inputTokens: 1, outputTokens: 1 },
    });
    stand.stream!.close();
    await waitFor(() => expect($('.sr[aria-live=polite]')?.textContent).toBe('We install panels'));
    await waitFor(() => expect($('.badge')?.textContent).toBe('1'));
    expect($('.bubble')?.getAttribute('aria-label')).toBe('Open chat (1 unread)');
    widget!.open();
    await waitFor(() => expect($('.badge')).toBeNull());
  });
});

describe('messages sent while a reply streams', () => {
  it('waits its turn instead of being dropped', async () => {
    const stand = await openWidget();
    const first = widget!.send('First question');
    await waitFor(() => expect(stand.stream).toBeTruthy());
    const firstStream = stand.stream!;
    const second = widget!.send('Second question');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stand.requests.filter((r) => r.path === '/chat')).toHaveLength(1);
    firstStream.push('start', { conversationId: 'c-6', messageId: 'm-1', visitorToken: 'vt-6' });
    firstStream.push('done', {
      messageId: 'm-2',
      finishReason: 'stop',
      usage: { inputTokens: 1, outputTokens: 1 },
    });
    firstStream.close();
    await first;
    await waitFor(() => expect(stand.stream).not.toBe(firstStream));
    expect(stand.requests.filter((r) => r.path === '/chat').map((r) => r.body)).toEqual([
      { message: 'First question', timeZone: BROWSER_ZONE },
      { message: 'Second question', conversationId: 'c-6', timeZone: BROWSER_ZONE },
    ]);
    stand.stream!.push('start', { conversationId: 'c-6', messageId: 'm-3' });
    stand.stream!.push('done', {
      messageId: 'm-4',
      finishReason: 'stop',
      usage: { inputTokens: 1, outputTokens: 1 },
    });
    stand.stream!.close();
    await second;
    expect(texts('.msg.user')).toEqual(['You: First question', 'You: Second question']);
  });
});

describe('suggestions under a reply', () => {
  const SUGGESTIONS = [
    {
      label: 'Thu 3 Dec, 09:00',
      message: 'Book Thu 3 Dec, 09:00 (UTC)',
      action: { type: 'book_slot', start: '2026-12-03T09:00:00.000Z' },
    },
    {
      label: 'Another day',
      message: 'Another day, please',
      action: { type: 'find_slots', from: '2026-12-04' },
    },
    { label: 'Leave my number', action: { type: 'leave_contact' } },
    { label: 'Prices' },
  ];

  async function replyWithSuggestions(stand: Stand, conversationId: string) {
    await waitFor(() => expect(stand.stream).toBeTruthy());
    stand.stream!.push('start', { conversationId, messageId: `m-${conversationId}`, visitorToken: 'vt-s' });
    stand.stream!.push('delta', { text: 'Here are the next free times.' });
    stand.stream!.push('suggestions', { version: 1, suggestions: SUGGESTIONS });
    stand.stream!.push('done', {
      messageId: `m-${conversationId}`,
      finishReason: 'stop',
      usage: { inputTokens: 1, outputTokens: 1 },
    });
    stand.stream!.close();
    await waitFor(() => expect(texts('.suggestions button')).toHaveLength(4));
  }

  it('shows them as a named group of buttons, announced, and a slot sends its text with its action', async () => {
    const stand = await openWidget();
    type('Book a call');
    await replyWithSuggestions(stand, 'c-s1');
    expect($('.suggestions')!.getAttribute('role')).toBe('group');
    expect($('.suggestions')!.getAttribute('aria-label')).toBe('Suggested replies');
    expect(texts('.suggestions button')).toEqual(SUGGESTIONS.map((s) => s.label));
    const live = [...shadow().querySelectorAll('[aria-live="polite"]')].map((el) => el.textContent);
    expect(live).toContain('Suggested replies: Thu 3 Dec, 09:00, Another day, Leave my number, Prices');

    shadow().querySelectorAll<HTMLButtonElement>('.suggestions button')[0]!.click();
    await waitFor(() => expect(stand.requests.filter((r) => r.path === '/chat')).toHaveLength(2));
    expect(stand.requests.at(-1)?.body).toEqual({
      message: 'Book Thu 3 Dec, 09:00 (UTC)',
      conversationId: 'c-s1',
      timeZone: BROWSER_ZONE,
      action: { type: 'book_slot', start: '2026-12-03T09:00:00.000Z' },
    });
    // Gone once a message is on its way; a plain suggestion sends only its label.
    expect($('.suggestions')).toBeNull();
  });

  it('opens the contact form for "Leave my number" without sending anything', async () => {
    const stand = await openWidget();
    type('Book a call');
    await replyWithSuggestions(stand, 'c-s2');
    const posts = stand.requests.filter((r) => r.path === '/chat').length;
    const leave = [...shadow().querySelectorAll<HTMLButtonElement>('.suggestions button')].find(
      (b) => b.textContent === 'Leave my number',
    )!;
    leave.click();
    await waitFor(() => expect($('form.lead')).toBeTruthy());
    expect(stand.requests.filter((r) => r.path === '/chat')).toHaveLength(posts);
  });
});
