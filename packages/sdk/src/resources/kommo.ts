// client.kommo: connect Kommo (OAuth), read and change the connection, and its pipelines.
import {
  type KommoSettingsUpdate,
  kommoCatalog,
  kommoConnection,
  kommoOauthStart,
  kommoSalesbotSetup,
} from '@closer/contract';
import type { Http } from '../core/http.ts';
import type { RequestOptions } from './shared.ts';

export function kommoResource(http: Http) {
  return {
    /** Status, account, settings, last sync and last error. */
    retrieve: (options: RequestOptions = {}) => http.request('GET', '/kommo', kommoConnection, options),
    /** The URL to send the user to; Kommo brings them back to `returnUrl` with `?kommo=connected|error`. */
    startOauth: (body: { returnUrl?: string } = {}, options: RequestOptions = {}) =>
      http.request('POST', '/kommo/oauth/start', kommoOauthStart, { body, ...options }),
    /** Pipeline, stage, responsible user and tags for new leads; checked against the synced catalogue. */
    updateSettings: (body: KommoSettingsUpdate, options: RequestOptions = {}) =>
      http.request('POST', '/kommo', kommoConnection, { body, ...options }),
    pipelines: (options: RequestOptions = {}) =>
      http.request('GET', '/kommo/pipelines', kommoCatalog, options),
    /** Reads pipelines, stages and users from Kommo again. */
    sync: (options: RequestOptions = {}) => http.request('POST', '/kommo/sync', kommoCatalog, options),
    /**
     * The agent's Salesbot URL and the bot to paste into Kommo, so the agent answers Kommo's chats
     * (docs/kommo-chat.md). Owners and admins.
     */
    salesbotSetup: (agentId: string, options: RequestOptions = {}) =>
      http.request('GET', '/kommo/salesbot/setup', kommoSalesbotSetup, { query: { agentId }, ...options }),
    /** The widget archive (`application/zip`, body unread) a private integration uploads for the bot step. */
    salesbotWidget: (agentId: string, options: RequestOptions = {}) =>
      http.request('GET', '/kommo/salesbot/widget', 'response', { query: { agentId }, ...options }),
    /** Disconnects and erases the stored tokens. */
    disconnect: (options: RequestOptions = {}) => http.request('DELETE', '/kommo', null, options),
  };
}
