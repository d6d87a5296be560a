-- Privileges spelled out. Supabase no longer grants new `public` objects to its API roles by itself, and
-- PostgreSQL lets PUBLIC — so `anon`, the role of a bare anon key on Supabase's REST API — execute every new
-- function: `count_usage` (spend counters) was callable by anyone holding the project's anon key. The API's
-- transactions run as `authenticated` (members, secret and publishable keys; the kind is in the claims), the
-- operator's as `service_role`; `anon` reaches no table and no function. Functions added after this migration
-- carry their own `revoke … from public` and grants beside them (supabase/tests/grants.test.ts checks).
revoke execute on all functions in schema public from public, anon;
grant execute on all functions in schema public to authenticated, service_role;

revoke all on all tables in schema public from anon;
grant select, insert, update, delete on all tables in schema public to authenticated, service_role;
