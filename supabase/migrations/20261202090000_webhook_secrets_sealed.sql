-- Webhook signing secrets encrypted at rest (docs/webhooks.md#security): `secret_enc` holds each secret sealed
-- with AES-256-GCM under CLOSER_ENCRYPTION_KEY and bound to its endpoint and row (`v1.<iv>.<ciphertext>`,
-- base64url), as Kommo's tokens are. The plaintext column goes.
--
-- The key lives only in the functions' environment, so secrets stored in plain text until now cannot be sealed
-- here. The rule: they are deleted, never kept. An endpoint that had one is turned off with the reason; rotating
-- its secret makes a sealed one, and turning it on again sends (and replays) as before.

update public.webhook_endpoints e
set enabled = false,
    disabled_reason = 'Signing secret removed when secrets became encrypted at rest: rotate the secret, give the new one to the receiver, then enable the endpoint'
where exists (select 1 from public.webhook_secrets s where s.endpoint_id = e.id);

delete from public.webhook_secrets;

alter table public.webhook_secrets drop column secret;
alter table public.webhook_secrets
  add column secret_enc text not null
  check (secret_enc ~ '^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{40,}$' and length(secret_enc) <= 600);
