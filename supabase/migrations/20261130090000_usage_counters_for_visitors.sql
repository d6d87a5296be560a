-- usage_counters (spend ceilings and lead limits) came before the visitor policies: a visitor's request counts
-- its reply and its lead writes there, as it does in rate_limits, and reads nothing else of the organisation.
select public.restrict_visitors('public.usage_counters'::regclass, 'true', 'true', 'true');
