-- Full-text search over title, narrative, places and sources; accents ignored, so "bafoulabe"
-- finds "Bafoulabé". Rows share reports.n as rowid.
CREATE VIRTUAL TABLE reports_fts USING fts5 (
    title, narrative, places, sources,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Reports saved before this version get indexed from their head revision.
INSERT INTO reports_fts (rowid, title, narrative, places, sources)
SELECT r.n,
       json_extract(v.content, '$.title'),
       concat_ws(' ', json_extract(v.content, '$.narrative'), json_extract(v.content, '$.damage')),
       concat_ws(' ', json_extract(v.content, '$.where.place'), json_extract(v.content, '$.where.admin3'),
                 json_extract(v.content, '$.where.admin2'), json_extract(v.content, '$.where.admin1')),
       (SELECT group_concat(json_extract(s.value, '$.name'), ' ')
          FROM json_each(v.content, '$.sources') AS s)
  FROM reports AS r JOIN revisions AS v ON v.id = r.head;
