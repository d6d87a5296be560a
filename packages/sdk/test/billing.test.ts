// client.billing against a stand-in of the API: the usage read and checked against the contract, the Checkout and
// portal requests, and a plan's refusal (402) as PaymentRequiredError naming the limit.
import type { BillingUsage } from '@closer/contract';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient, NotFoundError, PaymentRequiredError } from '../src/index.ts';
import { envelope, SECRET, URL_BASE } from './fixtures.ts';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const client = createClient({ url: URL_BASE, secretKey: SECRET, retry: { limit: 0 } });

const usage: BillingUsage = {
  plan: {
    id: 'pro',
    name: 'Pro',
    limits: { agents: 5, messages: 3000, knowledgeBytes: 10_000_000, members: 10, kommo: true },
    overAllowance: 'unavailable',
    usageBased: false,
    purchasable: true,
  },
  period: { start: '2026-12-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' },
  meters: [{ limit: 'messages', used: 3001, allowance: 3000 }],
  subscription: {
    status: 'active',
    planId: 'pro',
    currentPeriodEnd: '2027-01-01T00:00:00.000Z',
    cancelAtPeriodEnd: false,
    graceUntil: null,
  },
  warnings: [{ code: 'over_allowance', message: "The plan's messages for this period ran out." }],
};

describe('client.billing', () => {
  it('reads the usage and asks for Checkout and portal pages', async () => {
    const bodies: unknown[] = [];
    server.use(
      http.get(`${URL_BASE}/billing/usage`, () => HttpResponse.json(usage)),
      http.post(`${URL_BASE}/billing/checkout`, async ({ request }) => {
        bodies.push(await request.json());
        return HttpResponse.json({ url: 'https://checkout.stripe.com/c/pay/cs_test_1' });
      }),
      http.post(`${URL_BASE}/billing/portal`, async ({ request }) => {
        bodies.push(await request.json());
        return HttpResponse.json({ url: 'https://billing.stripe.com/p/session/test_1' });
      }),
    );
    expect(await client.billing.usage()).toEqual(usage);
    const checkout = {
      planId: 'pro',
      successUrl: 'https://app.example/ok',
      cancelUrl: 'https://app.example/no',
    };
    expect((await client.billing.checkout(checkout)).url).toContain('checkout.stripe.com');
    expect((await client.billing.portal({ returnUrl: 'https://app.example/billing' })).url).toContain(
      'billing.stripe.com',
    );
    expect(bodies).toEqual([checkout, { returnUrl: 'https://app.example/billing' }]);
  });

  it('turns a 402 into PaymentRequiredError with the limit, and billing off into NotFoundError', async () => {
    server.use(
      http.post(`${URL_BASE}/agents`, () =>
        HttpResponse.json(
          {
            error: {
              ...envelope('payment_required', 'The Free plan allows 1 agent; 1 used').error,
              details: [{ path: ['agents'], message: 'The Free plan allows 1 agent', code: 'plan_limit' }],
            },
          },
          { status: 402 },
        ),
      ),
      http.get(`${URL_BASE}/billing/usage`, () =>
        HttpResponse.json(envelope('not_found', 'Billing is off on this deployment'), { status: 404 }),
      ),
    );
    const error = await client.agents.create({ name: 'Second' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaymentRequiredError);
    expect((error as PaymentRequiredError).limit).toBe('agents');
    expect((error as PaymentRequiredError).status).toBe(402);
    await expect(client.billing.usage()).rejects.toBeInstanceOf(NotFoundError);
  });
});
