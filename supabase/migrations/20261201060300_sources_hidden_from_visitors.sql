-- A visitor (publishable key) reaches neither an agent's knowledge sources nor their run logs: the widget never
-- needs them, and their settings name the company's files and crawled sites. Same rule as every other table
-- (supabase/tests/visitorIsolation.test.ts checks each table has the four visitor policies).
select public.restrict_visitors('public.knowledge_sources'::regclass, 'false', 'false', 'false');
select public.restrict_visitors('public.knowledge_source_runs'::regclass, 'false', 'false', 'false');
