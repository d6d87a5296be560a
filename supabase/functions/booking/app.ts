// `booking`: the organisation's meeting-booking provider (Cal.com): connect with an API key and an event type,
// read the connection (never the key), list the key's event types, disconnect. Owners and admins, or a secret key.
import { bookingConnection, bookingConnectionInput, bookingEventTypeList } from '@closer/contract';
import { access, authorize } from '../_shared/auth/access.ts';
import { tenant } from '../_shared/auth/middleware.ts';
import {
  bookingSettingsFromEnv,
  chatBookingClient,
  checkConnection,
  connectedEventTypes,
  deleteConnection,
  readConnection,
  saveConnection,
} from '../_shared/booking/connection.ts';
import { createFunctionApp } from '../_shared/http/app.ts';
import { route } from '../_shared/http/route.ts';
import type { Runtime } from '../_shared/runtime.ts';

export function createBookingApp(runtime: Runtime) {
  const app = createFunctionApp('booking', runtime);
  app.use('*', authorize(access.admin));

  const readRoute = route({
    summary: "The organisation's booking provider connection (the API key is never shown)",
    responses: { 200: bookingConnection },
  });
  app.get('/connection', readRoute, async (c) => c.json(await tenant(c, readConnection)));

  const connectRoute = route({
    summary:
      'Connect Cal.com (or replace the connection): the API key is checked against Cal.com, then stored encrypted',
    body: bookingConnectionInput,
    responses: { 200: bookingConnection },
  });
  app.put('/connection', connectRoute, async (c) => {
    const input = c.req.valid('json');
    const settings = bookingSettingsFromEnv(runtime.env);
    // Cal.com is asked before the transaction opens: no connection is held while it answers.
    const chosen = await checkConnection(input, settings);
    return c.json(
      await tenant(c, (tx) => saveConnection(tx, c.var.principal.orgId, input, chosen, settings)),
    );
  });

  const disconnectRoute = route({
    summary: 'Disconnect the booking provider (the stored key is deleted)',
    responses: { 204: null },
  });
  app.delete('/connection', disconnectRoute, async (c) => {
    await tenant(c, deleteConnection);
    return c.body(null, 204);
  });

  const eventTypesRoute = route({
    summary: 'The event types the connected key may book, as Cal.com lists them',
    responses: { 200: bookingEventTypeList },
  });
  app.get('/event-types', eventTypesRoute, async (c) => {
    const settings = bookingSettingsFromEnv(runtime.env);
    const client = await tenant(c, (tx) => chatBookingClient(tx, settings));
    return c.json({ data: await connectedEventTypes(client) });
  });
  return app;
}
