-- Search ignores Arabic vowel marks and tatweel and lets alef, ya and ta marbuta variants
-- meet (search.rs says why), and finds perpetrators by name. terrain_search_fold is the same
-- Rust function the save path folds with, registered on the connection that migrates.
DROP TABLE reports_fts;

CREATE VIRTUAL TABLE reports_fts USING fts5 (
    title, narrative, places, sources, perpetrators,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Every report indexed again from its head revision, as search::columns does.
INSERT INTO reports_fts (rowid, title, narrative, places, sources, perpetrators)
SELECT r.n,
       terrain_search_fold(json_extract(v.content, '$.title')),
       terrain_search_fold(concat_ws(' ', json_extract(v.content, '$.narrative'),
                                     json_extract(v.content, '$.damage'))),
       terrain_search_fold(concat_ws(' ', json_extract(v.content, '$.where.place'),
                                     json_extract(v.content, '$.where.admin3'),
                                     json_extract(v.content, '$.where.admin2'),
                                     json_extract(v.content, '$.where.admin1'))),
       terrain_search_fold((SELECT group_concat(json_extract(s.value, '$.name'), ' ')
                              FROM json_each(v.content, '$.sources') AS s)),
       terrain_search_fold((SELECT group_concat(json_extract(p.value, '$.name'), ' ')
                              FROM json_each(v.content, '$.perpetrators') AS p))
  FROM reports AS r JOIN revisions AS v ON v.id = r.head;
