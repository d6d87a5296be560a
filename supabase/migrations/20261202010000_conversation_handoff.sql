-- Handoff to a person: a conversation is `active` (the agent answers), `handoff_requested` (a person was asked
-- for; the agent is silent), `human` (a person holds it) or `closed`. Operator messages are stored with their
-- author. Every change a live channel carries (operator and visitor messages while a person is involved, state
-- changes) is a row of conversation_events with a monotonic id, so a client resumes with Last-Event-ID; the
-- insert notifies `closer_conversation_events` so every server instance fans it out (docs/handoff.md).

alter table public.conversations drop constraint if exists conversations_status_check;
alter table public.conversations add constraint conversations_status_check
  check (status in ('active', 'handoff_requested', 'human', 'closed'));
alter table public.conversations
  add column handoff_reason text check (length(handoff_reason) <= 500),
  add column handoff_requested_at timestamptz,
  -- Who holds the conversation while it is `human`: a member's user id or a secret key's id, and the name and
  -- avatar the visitor sees.
  add column assignee_kind text check (assignee_kind in ('member', 'secret')),
  add column assignee_id uuid,
  add column assignee_name text check (length(assignee_name) <= 100),
  add column assignee_avatar_url text check (length(assignee_avatar_url) <= 2000);
-- The console's waiting list: conversations waiting for a person or held by one.
create index conversations_handoff_idx on public.conversations (org_id, handoff_requested_at)
  where status in ('handoff_requested', 'human');

alter table public.messages drop constraint if exists messages_role_check;
alter table public.messages add constraint messages_role_check check (role in ('user', 'assistant', 'operator'));
alter table public.messages
  add column author_kind text check (author_kind in ('member', 'secret')),
  add column author_id uuid,
  add column author_name text check (length(author_name) <= 100),
  add column author_avatar_url text check (length(author_avatar_url) <= 2000),
  add constraint messages_operator_author check ((role = 'operator') = (author_id is not null));

create table public.conversation_events (
  -- Monotonic: events of one conversation are written under its row lock, so ids commit in order.
  id bigint generated always as identity primary key,
  org_id uuid not null references public.organizations (id) on delete cascade,
  conversation_id uuid not null,
  foreign key (conversation_id, org_id) references public.conversations (id, org_id) on delete cascade,
  type text not null check (type in ('message', 'state')),
  data jsonb not null,
  created_at timestamptz not null default now()
);
create index conversation_events_conversation_idx on public.conversation_events (conversation_id, id);
alter table public.conversation_events enable row level security;
-- Appended and read, never changed by a tenant (they go with their conversation).
create policy conversation_events_read on public.conversation_events for select to authenticated
  using (org_id = (select public.current_org_id()));
create policy conversation_events_append on public.conversation_events for insert to authenticated
  with check (org_id = (select public.current_org_id()));
-- A visitor reads and appends to (asking for a person, a message while a person holds it) only its own
-- conversation's events.
select public.restrict_visitors(
  'public.conversation_events'::regclass,
  'conversation_id = (select public.visitor_conversation_id())',
  'conversation_id = (select public.visitor_conversation_id())',
  'false');
-- Privileges as every table's (20261201090000): the policies above admit no update or delete.
revoke all on public.conversation_events from public, anon;
grant select, insert, update, delete on public.conversation_events to authenticated, service_role;

-- Fan-out across instances: each server LISTENs once and wakes the streams of that conversation. The payload
-- names the event, never its data (NOTIFY payloads are limited to 8000 bytes; readers fetch under RLS).
create function public.notify_conversation_event() returns trigger
language plpgsql as $$
begin
  perform pg_notify('closer_conversation_events',
    json_build_object('o', new.org_id, 'c', new.conversation_id, 'i', new.id)::text);
  return null;
end
$$;
revoke all on function public.notify_conversation_event() from public, anon;
grant execute on function public.notify_conversation_event() to authenticated, service_role;
create trigger conversation_events_notify after insert on public.conversation_events
  for each row execute function public.notify_conversation_event();

-- Whether an agent offers a person at all (the request_human tool, the offline responder's recognition).
alter table public.agents add column handoff jsonb not null default '{}'::jsonb;
