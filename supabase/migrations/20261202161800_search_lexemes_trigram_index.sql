-- Misspelt and unknown words are matched against the scopes' vocabulary with the trigram index
-- (`knowledge_terms_word_trgm_idx`). With many organisations' vocabularies in one table (1,000,000 chunks, ~500,000
-- words) PGlite's planner preferred reading every word (a sequential scan of knowledge_terms: ~100 ms a message,
-- against ~5 ms through the index on PostgreSQL, which chose the index). Inside this function only, sequential
-- scans are priced out, so both choose the index; every other statement of the function already reads by index.
alter function public.search_lexemes(uuid[], regconfig, text) set enable_seqscan = off;
