// A webhook receiver on 127.0.0.1 as an n8n/Zapier-style consumer would write one: it verifies every request with
// the `standardwebhooks` library, processes each `webhook-id` once (de-duplicating retries), and answers as the
// test scripts it — 500, a stall past the sender's timeout, or 200.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';

export type Behaviour = 'ok' | 'fail' | 'stall' | 'process-then-fail';

export interface ReceivedRequest {
  id: string;
  headers: Record<string, string>;
  body: string;
  /** Verified with the receiver's current secrets (any of them). */
  verified: boolean;
  behaviour: Behaviour;
}

export interface WebhookReceiver {
  url: string;
  /** Secrets the receiver verifies with (any of them may match). */
  secrets: string[];
  /** Every request, in order, retries included. */
  requests: ReceivedRequest[];
  /** Events processed: each `webhook-id` once, its parsed body. */
  processed: Map<string, { type: string; timestamp: string; data: Record<string, unknown> }>;
  /** What to answer next, by position in this queue; `ok` once empty. */
  script: Behaviour[];
  close(): Promise<void>;
}

function verify(secrets: string[], body: string, headers: Record<string, string>): unknown {
  for (const secret of secrets) {
    try {
      return new Webhook(secret).verify(body, headers);
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
    }
  }
  return undefined;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const stalled = new Set<ServerResponse>();
  const receiver: WebhookReceiver = {
    url: '',
    secrets: [],
    requests: [],
    processed: new Map(),
    script: [],
    close: async () => {
      for (const response of stalled) response.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(
        Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]),
      );
      const parsed = verify(receiver.secrets, body, headers) as
        | { type: string; timestamp: string; data: Record<string, unknown> }
        | undefined;
      const behaviour = receiver.script.shift() ?? 'ok';
      const id = headers['webhook-id'] ?? '';
      receiver.requests.push({ id, headers, body, verified: parsed !== undefined, behaviour });
      if (!parsed) {
        response.writeHead(401).end('bad signature');
        return;
      }
      if (behaviour === 'stall') {
        stalled.add(response);
        response.on('close', () => stalled.delete(response));
        return;
      }
      if (behaviour === 'fail') {
        response.writeHead(500, { 'content-type': 'text/plain' }).end(`busy ${'x'.repeat(3000)}`);
        return;
      }
      // De-duplicated by webhook-id: a retry of an event already processed changes nothing.
      if (!receiver.processed.has(id)) receiver.processed.set(id, parsed);
      if (behaviour === 'process-then-fail') response.writeHead(502).end('processed, then the proxy failed');
      else response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return receiver;
}
