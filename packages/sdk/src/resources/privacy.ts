// client.privacy: retention, a data subject's export and erasure, the audit log (owners, admins, secret keys).
import {
  type ErasureRequest,
  erasureResult,
  type PrivacySubject,
  page,
  privacyAuditEntry,
  privacyExport,
  type RetentionUpdate,
  retentionReport,
} from '@closer/contract';
import type { Http } from '../core/http.ts';
import { type ListParams, list, type RequestOptions } from './shared.ts';

export function privacyResource(http: Http) {
  return {
    retention: {
      /** The retention period and what the next daily run would remove now (nothing is removed by reading). */
      retrieve: (options: RequestOptions = {}) =>
        http.request('GET', '/privacy/retention', retentionReport, options),
      /**
       * `retentionDays` (1–3650, or null: keep forever) and `leadRetention` (`keep` | `anonymize` | `delete`).
       * @throws PermissionError for plain members
       */
      update: (body: RetentionUpdate, options: RequestOptions = {}) =>
        http.request('PUT', '/privacy/retention', retentionReport, { body, ...options }),
    },
    /** Everything stored about a person found by `email`, `phone` and/or `conversationId` (all given must match). */
    export: (subject: PrivacySubject, options: RequestOptions = {}) =>
      http.request('POST', '/privacy/export', privacyExport, { body: subject, ...options }),
    /** Erases that person (conversations, messages, leads, queued CRM deliveries); `dryRun: true` only counts. */
    erase: (body: ErasureRequest, options: RequestOptions = {}) =>
      http.request('POST', '/privacy/erase', erasureResult, { body, ...options }),
    /** The audit log, newest first: a page, and an async iterable over every entry. */
    audit: (params: ListParams = {}, options: RequestOptions = {}) =>
      list(http, '/privacy/audit', page(privacyAuditEntry), params, options),
  };
}
