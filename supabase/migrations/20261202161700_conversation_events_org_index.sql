-- The organisation's live channel (`GET /conversations/events`) reads an organisation's events after an id and,
-- when opened without Last-Event-ID, its newest id: both by (org_id, id). Without this index each was a scan of
-- every organisation's events.
create index conversation_events_org_idx on public.conversation_events (org_id, id);
