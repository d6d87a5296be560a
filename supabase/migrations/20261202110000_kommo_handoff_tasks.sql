-- A visitor asking for a person queues the Kommo task for it (`kommo.handoff_task`) in the transaction of the
-- request, under the visitor's own credentials: the visitor's outbox policies, which admitted only jobs about the
-- conversation's lead, also admit jobs naming the visitor's own conversation. Nothing else changes for them.
drop policy if exists jobs_visitor_read on public.jobs;
drop policy if exists jobs_visitor_insert on public.jobs;
drop policy if exists jobs_visitor_update on public.jobs;
drop policy if exists jobs_visitor_delete on public.jobs;

do $$
declare
  conversation constant text := '(select public.visitor_conversation_id())';
  own text := format(
    '(payload ->> ''leadId'' in (select l.id::text from public.leads l where l.conversation_id = %1$s)
      or payload ->> ''conversationId'' = %1$s::text)',
    conversation);
begin
  perform public.restrict_visitors('public.jobs'::regclass, own, own, 'false');
end
$$;
