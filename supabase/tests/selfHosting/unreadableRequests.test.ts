// Requests that never reach the app: the HTTP adapter cannot turn them into a Request (a Host header that is no host
// name, an absolute target that is no URL), or Node's parser refuses them (a header section past its limit, a
// request line that is no HTTP). They were answered with an empty text/plain 400 (or Node's bare 431/400): no
// envelope, no request id, no log line. Now they get the app's envelope with a request id that the log line names,
// and the server goes on serving. Sent as raw bytes over a socket (fetch would refuse to send them).
import { connect } from 'node:net';
import { errorBody } from '@closer/contract';
import { listen } from '@closer/server/src/listen.ts';
import { Hono } from 'hono';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';

let server: Awaited<ReturnType<typeof listen>>['server'];
let port: number;

beforeAll(async () => {
  const app = new Hono().get('/functions/v1/health', (c) => c.json({ status: 'ok' }));
  ({ server, port } = await listen(app.fetch, 0, '127.0.0.1'));
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Sends raw requests on one keep-alive connection; answers the raw text read until `answers` responses came. */
async function exchange(raw: string, answers: number): Promise<string[]> {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    text += chunk;
  });
  socket.on('error', () => {});
  socket.write(raw);
  await expect.poll(() => (text.match(/HTTP\/1\.1 \d{3}/g) ?? []).length).toBe(answers);
  await expect.poll(() => text.trimEnd().endsWith('}')).toBe(true);
  socket.destroy();
  return text.split(/(?=HTTP\/1\.1 \d{3})/);
}

/** The envelope of a refused request, checked against its headers and the warning logged with its id. */
function checkRefusal(response: string, status: number, warnings: { mock: { calls: unknown[][] } }) {
  const answer = parse(response);
  expect(answer.status).toBe(status);
  expect(answer.headers['content-type']).toContain('application/json');
  expect(answer.headers['x-content-type-options']).toBe('nosniff');
  const envelope = errorBody.parse(answer.body);
  expect(envelope.error.code).toBe('bad_request');
  expect(envelope.error.requestId).toBe(answer.headers['x-request-id']);
  const logged = warnings.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>);
  expect(logged).toContainEqual(
    expect.objectContaining({ level: 'warn', requestId: envelope.error.requestId }),
  );
}

function parse(response: string) {
  const [head = '', body = ''] = response.split('\r\n\r\n');
  const headers = Object.fromEntries(
    head
      .split('\r\n')
      .slice(1)
      .map((line) => [
        line.slice(0, line.indexOf(':')).toLowerCase(),
        line.slice(line.indexOf(':') + 1).trim(),
      ]),
  );
  const json = body.includes('{') ? body.slice(body.indexOf('{'), body.lastIndexOf('}') + 1) : '';
  return { status: Number(head.split(' ')[1]), headers, body: json ? JSON.parse(json) : null };
}

it.each([
  ['a Host header with a space', 'GET /functions/v1/health HTTP/1.1\r\nHost: a b\r\n\r\n'],
  ['an unterminated IPv6 host', 'GET /functions/v1/health HTTP/1.1\r\nHost: [::1\r\n\r\n'],
  ['an absolute target that is no URL', 'GET http://a:99999/functions/v1/health HTTP/1.1\r\nHost: x\r\n\r\n'],
])('answers %s with the error envelope, logged with its request id, and keeps serving', async (_, raw) => {
  const warnings = vi.spyOn(console, 'warn').mockImplementation(() => {});
  try {
    const [refused, next] = await exchange(
      `${raw}GET /functions/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
      2,
    );
    checkRefusal(refused!, 400, warnings);
    // The same connection is still served.
    expect(parse(next!)).toMatchObject({ status: 200, body: { status: 'ok' } });
  } finally {
    warnings.mockRestore();
  }
});

it.each([
  [
    'a header section past the parser limit',
    `GET /functions/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    431,
  ],
  ['a request line that is no HTTP', 'NOT HTTP AT ALL\r\n\r\n', 400],
])(
  'answers %s with the envelope, logged with its request id; the server keeps serving',
  async (_, raw, status) => {
    const warnings = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const [refused] = await exchange(raw, 1);
      checkRefusal(refused!, status, warnings);
      const [next] = await exchange('GET /functions/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 1);
      expect(parse(next!)).toMatchObject({ status: 200, body: { status: 'ok' } });
    } finally {
      warnings.mockRestore();
    }
  },
);
