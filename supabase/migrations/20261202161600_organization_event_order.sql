-- The organisation's live channel (`GET /conversations/events`) resumes after the last id it sent, so an
-- organisation's event ids must commit in order. The row lock of a conversation ordered its own events only: an
-- event of conversation A committing after a newer one of B was never delivered (the stream, and a client
-- resuming with Last-Event-ID, were already past it). Each insert now takes the organisation's transaction-level
-- advisory lock and only then draws its id: an organisation's event-writing transactions commit one after another
-- from their first event on. They are short (the model is never called inside one); the longest is a chat turn in
-- which the offline responder asks for a person, which goes on to retrieval and may wait for the question's
-- embedding (bounded by its timeout) before it commits.
create function public.order_conversation_event() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  perform pg_advisory_xact_lock(hashtextextended('closer_conversation_events:' || new.org_id::text, 0));
  new.id := nextval(pg_get_serial_sequence('public.conversation_events', 'id'));
  return new;
end
$$;
revoke all on function public.order_conversation_event() from public, anon;
grant execute on function public.order_conversation_event() to authenticated, service_role;
create trigger conversation_events_order before insert on public.conversation_events
  for each row execute function public.order_conversation_event();
