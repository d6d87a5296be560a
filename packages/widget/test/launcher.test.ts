// The launcher's pieces that need no browser: which configuration failures hide the chat (and what the owner
// reads), the IME guard in every event order, and a tab following the conversation another tab stored.
import { waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mount, type Widget } from '../src/index.ts';
import { loadConfig } from '../src/launcher/config.ts';
import { composition } from '../src/ui/composition.ts';

const API = 'https://project.example/functions/v1';
const json = (value: unknown, status = 200) =>
  new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });
const envelope = (code: string, message: string, status: number) =>
  json({ error: { code, message, requestId: 'req-1' } }, status);

describe('loading the configuration', () => {
  it.each([
    [
      envelope('forbidden', "Origin https://shop.test is not in this agent's allowed origins", 403),
      /allowed origins.*Fix: add/,
    ],
    [
      envelope('forbidden', 'Maya is paused and does not chat right now', 403),
      /the agent is paused.*status back to active/,
    ],
    [
      envelope('unauthorized', 'Invalid publishable key', 401),
      /publishable key "pk_test_abc_…" is not valid/,
    ],
    [
      new Response('<html>Not found</html>', { status: 404, headers: { 'content-type': 'text/html' } }),
      /data-api=".*" is not the Closer API/,
    ],
  ])('hides the chat for good and says why: %#', async (response, message) => {
    const outcome = await loadConfig(API, 'pk_test_abc_123', async () => response);
    expect(outcome.kind).toBe('fatal');
    expect((outcome as { message: string }).message).toMatch(message);
  });

  it.each([
    [envelope('unavailable', 'Database unavailable', 503)],
    [envelope('rate_limited', 'Too many requests', 429)],
    [new Response('Bad gateway', { status: 502 })],
  ])('keeps a failure that may pass retryable: %#', async (response) => {
    expect((await loadConfig(API, 'pk_test_abc_123', async () => response)).kind).toBe('transient');
  });

  it('asks health when the network fails: Closer answering there means the failure may pass', async () => {
    const seen: string[] = [];
    const outcome = await loadConfig(API, 'pk_test_abc_123', async (input) => {
      seen.push(String(input));
      if (String(input).endsWith('/health')) return json({ status: 'ok', version: '0.1.0' });
      throw new TypeError('Failed to fetch');
    });
    expect(outcome.kind).toBe('transient');
    expect(seen).toEqual([`${API}/chat/config`, `${API}/health`]);
  });

  it('names a base URL without /functions/v1 when neither route can be reached', async () => {
    const outcome = await loadConfig('https://project.example', 'pk_test_abc_123', async () => {
      throw new TypeError('Failed to fetch');
    });
    expect(outcome).toMatchObject({
      kind: 'fatal',
      message: expect.stringMatching(/it usually ends in \/functions\/v1/),
    });
  });
});

describe('a refused configuration on the page', () => {
  let widget: Widget | null = null;
  afterEach(() => {
    widget?.destroy();
    widget = null;
    vi.restoreAllMocks();
  });

  it('renders no bubble and logs one message', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    widget = mount({
      publishableKey: 'pk_test_abc',
      apiUrl: API,
      fetch: async () => envelope('forbidden', 'Maya is paused and does not chat right now', 403),
    });
    await widget.ready;
    expect(document.querySelector('closer-chat')).toBeNull();
    expect(errors).toHaveBeenCalledTimes(1);
    expect(String(errors.mock.calls[0]![0])).toMatch(
      /^Closer: the chat is hidden on this page because the agent is paused/,
    );
    // The page's calls do nothing more.
    widget.open();
    await widget.send('Hello?');
    expect(document.querySelector('closer-chat')).toBeNull();
    expect(errors).toHaveBeenCalledTimes(1);
  });
});

describe('Enter and input methods', () => {
  const enter = (init: KeyboardEventInit) => new KeyboardEvent('keydown', { key: 'Enter', ...init });

  it('treats Enter as the IME’s in Chrome’s, Firefox’s and Safari’s orders, and as sending afterwards', async () => {
    const ime = composition();
    expect(ime.composing(enter({ isComposing: true, keyCode: 229 }))).toBe(true); // Chrome, Firefox
    ime.start();
    ime.end();
    expect(ime.composing(enter({ isComposing: false, keyCode: 229 }))).toBe(true); // Safari
    expect(ime.composing(enter({ isComposing: false, keyCode: 13 }))).toBe(true); // same task as compositionend
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(ime.composing(enter({ isComposing: false, keyCode: 13 }))).toBe(false);
    ime.start();
    expect(ime.composing(enter({ isComposing: false, keyCode: 13 }))).toBe(true); // still composing
  });
});

describe('tabs', () => {
  let widget: Widget | null = null;
  afterEach(() => {
    widget?.destroy();
    widget = null;
    localStorage.clear();
  });

  it('follows a conversation another tab stored, and clears when another tab starts over', async () => {
    const history = {
      id: 'c-9',
      messages: [
        { id: 'm-1', role: 'user', content: 'Sent in the other tab', status: 'complete' },
        { id: 'm-2', role: 'assistant', content: 'Answered there.', status: 'complete' },
      ],
      leadId: null,
    };
    const fetcher: typeof fetch = async (input) => {
      const path = new URL(String(input)).pathname;
      if (path.endsWith('/chat/config')) {
        return json({
          agentId: 'a',
          name: 'Maya',
          greeting: '',
          starterPrompts: [],
          theme: { accentColor: '#f59e0b', position: 'right', mode: 'auto' },
          locale: 'en',
          leadForm: { enabled: false, fields: [], consentText: null, formAfterMessages: 0 },
          proactiveOpenSeconds: null,
        });
      }
      if (path.endsWith('/chat/conversations/c-9')) return json(history);
      return envelope('not_found', 'no route', 404);
    };
    widget = mount({ publishableKey: 'pk_test_tabs', apiUrl: API, fetch: fetcher });
    await widget.ready;
    widget.open();
    const shadow = () => document.querySelector('closer-chat')!.shadowRoot!;
    const value = JSON.stringify({ conversationId: 'c-9', visitorToken: 'vt-9', updatedAt: Date.now() });
    localStorage.setItem('closer:pk_test_tabs', value);
    window.dispatchEvent(
      new StorageEvent('storage', { key: 'closer:pk_test_tabs', newValue: value, storageArea: localStorage }),
    );
    await waitFor(() =>
      expect(shadow().querySelector('.msg.user .text')?.textContent).toBe('Sent in the other tab'),
    );
    localStorage.removeItem('closer:pk_test_tabs');
    window.dispatchEvent(
      new StorageEvent('storage', { key: 'closer:pk_test_tabs', newValue: null, storageArea: localStorage }),
    );
    await waitFor(() => expect(shadow().querySelectorAll('.msg.user')).toHaveLength(0));
  });
});
