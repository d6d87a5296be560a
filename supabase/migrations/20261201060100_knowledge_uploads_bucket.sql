-- On Supabase: the private Storage bucket that holds uploaded knowledge files until (and while) their source
-- exists, 20 MiB per file, readable by members only inside their own organisation's folder (`<orgId>/…`). The
-- functions use the service key; the policy keeps a member's own Storage client to its organisation. Where there
-- is no Storage schema (plain PostgreSQL, PGlite) nothing happens: the local stack keeps uploads in a directory.
do $$
begin
  if exists (select 1 from information_schema.tables where table_schema = 'storage' and table_name = 'buckets') then
    execute $sql$
      insert into storage.buckets (id, name, public, file_size_limit)
      values ('knowledge-uploads', 'knowledge-uploads', false, 20971520)
      on conflict (id) do nothing
    $sql$;
    execute $sql$
      create policy knowledge_uploads_tenant on storage.objects for all to authenticated
        using (bucket_id = 'knowledge-uploads'
               and (storage.foldername(name))[1] = (select public.current_org_id())::text)
        with check (bucket_id = 'knowledge-uploads'
                    and (storage.foldername(name))[1] = (select public.current_org_id())::text)
    $sql$;
  end if;
end
$$;
