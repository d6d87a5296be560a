-- Handoff's missing pieces (docs/handoff.md): a request for a person nobody claims within the agent's
-- `handoff.pickupTimeoutSeconds` is answered by the worker (`POST /worker/handoffs`) once, and the agent's rules
-- hand a conversation over by themselves after N replies in a row without relevant knowledge.

alter table public.conversations
  -- When the visitor was told nobody picked up (or, outside business hours, that the team is offline): the
  -- worker tells each request once. Cleared by every new request for a person.
  add column handoff_unanswered_at timestamptz,
  -- Replies in a row for which retrieval found no relevant knowledge, counted while the agent's
  -- `handoff.afterUnansweredReplies` rule is on; a reply with knowledge sets it back to 0.
  add column replies_without_knowledge integer not null default 0 check (replies_without_knowledge >= 0);

-- The worker's (and pg_cron's) look for requests waiting too long: only unanswered ones, oldest first.
create index conversations_pickup_due_idx on public.conversations (handoff_requested_at)
  where status = 'handoff_requested' and handoff_unanswered_at is null;
