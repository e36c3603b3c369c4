//! The site registry, shared (issue 15): each saved state of a site is a revision kept once,
//! queued for the server, pulled from it; `sites` is the current view of each.

use crate::error::corrupt;
use crate::write::parse_uuid;
use crate::{Result, Store, StoreError};
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;
use std::collections::{BTreeSet, HashSet, VecDeque};
use terrain_domain::gazetteer::fold;
use terrain_domain::{Report, Site, SiteMerge, SiteRevision, merge_sites};
use uuid::Uuid;

impl Store {
    /// Adds a site (checked first) to the registry, or changes it: [`Store::save_site_as`]
    /// recorded as the signed-in user (or, before any sign-in, this device).
    pub fn save_site(&self, site: Site) -> Result<Site> {
        let author = self.site_author()?;
        self.save_site_as(site, &author)
    }

    /// Marks the site `merged` (found as [`Store::find_site`] finds it) a duplicate of `into`:
    /// wherever the registry is read it then resolves to `into` (`terrain_domain::site::resolve`).
    /// Saving the merged site again without the mark unmerges it.
    pub fn merge_site(&self, merged: &str, into: &str) -> Result<Site> {
        let author = self.site_author()?;
        self.merge_site_as(merged, into, &author)
    }

    /// Every site, by name.
    pub fn sites(&self) -> Result<Vec<Site>> {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare_cached("SELECT id, content FROM sites ORDER BY name, id")
            .map_err(self.sql())?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(self.sql())?;
        rows.map(|row| {
            let (id, content) = row.map_err(self.sql())?;
            serde_json::from_str(&content).map_err(|e| StoreError::Corrupt(id, e.to_string()))
        })
        .collect()
    }

    pub fn site(&self, id: Uuid) -> Result<Option<Site>> {
        let conn = self.reader()?;
        let content: Option<String> = conn
            .query_row(
                "SELECT content FROM sites WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.sql())?;
        content
            .map(|c| {
                serde_json::from_str(&c)
                    .map_err(|e| StoreError::Corrupt(id.to_string(), e.to_string()))
            })
            .transpose()
    }

    /// The site whose id starts with, or whose name matches (accents ignored), what was typed.
    pub fn find_site(&self, typed: &str) -> Result<Site> {
        let sites = self.sites()?;
        let key = fold(typed);
        let by_id: Vec<&Site> = sites
            .iter()
            .filter(|s| s.id.to_string().starts_with(typed))
            .collect();
        let by_name: Vec<&Site> = sites.iter().filter(|s| fold(&s.name) == key).collect();
        match (by_id.as_slice(), by_name.as_slice()) {
            ([one], _) | ([], [one]) => Ok((*one).clone()),
            ([], []) => Err(StoreError::SiteNotFound(typed.to_string())),
            (many, []) | ([], many) | (many, _) => Err(StoreError::AmbiguousId {
                given: typed.to_string(),
                count: many.len(),
                what: "sites",
                matches: many
                    .iter()
                    .map(|s| format!("{} {}", s.id, s.name))
                    .collect(),
            }),
        }
    }

    /// Ids of the reports that touch a site, newest incident first.
    pub fn reports_at_site(&self, site: Uuid) -> Result<Vec<Uuid>> {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT r.id FROM report_sites s JOIN reports r ON r.id = s.report_id
                  WHERE s.site_id = ?1 ORDER BY r.event_date DESC",
            )
            .map_err(self.sql())?;
        let rows = stmt
            .query_map([site.to_string()], |r| r.get::<_, String>(0))
            .map_err(self.sql())?;
        rows.map(|r| parse_uuid(&r.map_err(self.sql())?)).collect()
    }
}

// --- Shared sites (issue 15, migration 015): revisions, heads, the queue and the feed. ---

/// The site feed's cursor in `meta`.
const SITES_CURSOR: &str = "sites_cursor";

fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// What applying pulled (or fetched) site revisions did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SitesApplied {
    /// Revisions new to this device.
    pub received: usize,
    /// Revisions it already had (its own, sent earlier, or pulled twice).
    pub already_had: usize,
    /// Sites whose concurrent edits merged on their own (the merge revision is queued).
    pub merged: Vec<Uuid>,
    /// Sites left with conflicting versions for a person to resolve.
    pub conflicts: Vec<Uuid>,
    /// Revisions refused, with why (they do not check: a changed hash, an untidied site...).
    pub rejected: Vec<(Uuid, String)>,
}

/// A site whose versions conflict: shown as its latest head until someone saves it again.
#[derive(Debug, Clone, Serialize)]
pub struct SiteConflict {
    pub site_id: Uuid,
    /// The conflicting versions, by revision id.
    pub heads: Vec<SiteRevision>,
    /// Their latest common ancestor, if they share one.
    pub base: Option<SiteRevision>,
    /// The fields the versions disagree on (`operator`).
    pub fields: Vec<String>,
}

const SITE_REV_SELECT: &str = "SELECT id, site_id, parents, author, device, created_at, content_hash, content FROM site_revisions";

type SiteRevRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
);

fn site_rev_row(r: &rusqlite::Row) -> rusqlite::Result<SiteRevRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    ))
}

fn read_site_rev(
    (id, site_id, parents, author, device, created_at, content_hash, content): SiteRevRow,
) -> Result<SiteRevision> {
    Ok(SiteRevision {
        id: parse_uuid(&id)?,
        site_id: parse_uuid(&site_id)?,
        parents: serde_json::from_str(&parents).map_err(|e| corrupt(&id, e))?,
        author,
        device,
        created_at: DateTime::parse_from_rfc3339(&created_at)
            .map_err(|e| corrupt(&id, e))?
            .with_timezone(&Utc),
        content_hash,
        content: serde_json::from_str(&content).map_err(|e| corrupt(&id, e))?,
    })
}

/// The site revisions `sql` selects (a damaged row is an error naming it).
fn site_revs(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<SiteRevision>> {
    let rows: Vec<SiteRevRow> = conn
        .prepare_cached(sql)
        .and_then(|mut s| s.query_map(args, site_rev_row)?.collect())
        .map_err(|e| corrupt("site_revisions", e))?;
    rows.into_iter().map(read_site_rev).collect()
}

fn load_site_rev(conn: &Connection, id: Uuid) -> Result<Option<SiteRevision>> {
    Ok(site_revs(
        conn,
        &format!("{SITE_REV_SELECT} WHERE id = ?1"),
        [id.to_string()],
    )?
    .pop())
}

/// Keeps a revision once, by id; true when it was new.
fn insert_site_rev(
    tx: &Transaction,
    rev: &SiteRevision,
    queued: bool,
    now: &str,
) -> rusqlite::Result<bool> {
    let n = tx
        .prepare_cached(
            "INSERT INTO site_revisions (id, site_id, parents, author, device, created_at,
                 content_hash, content, queued, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (id) DO NOTHING",
        )?
        .execute(params![
            rev.id.to_string(),
            rev.site_id.to_string(),
            serde_json::to_string(&rev.parents).expect("ids serialise"),
            rev.author,
            rev.device,
            stamp(rev.created_at),
            rev.content_hash,
            serde_json::to_string(&rev.content).expect("sites serialise"),
            queued as i64,
            now
        ])?;
    Ok(n == 1)
}

/// The site's heads, by revision id, so every device merges them the same way.
fn site_heads(conn: &Connection, site: Uuid) -> Result<Vec<SiteRevision>> {
    site_revs(
        conn,
        &format!(
            "{SITE_REV_SELECT} WHERE id IN (SELECT rev_id FROM site_heads WHERE site_id = ?1)
              ORDER BY id"
        ),
        [site.to_string()],
    )
}

fn set_only_head(tx: &Transaction, site: Uuid, rev: Uuid) -> rusqlite::Result<()> {
    tx.prepare_cached("DELETE FROM site_heads WHERE site_id = ?1")?
        .execute([site.to_string()])?;
    tx.prepare_cached("INSERT INTO site_heads (site_id, rev_id) VALUES (?1, ?2)")?
        .execute([site.to_string(), rev.to_string()])?;
    Ok(())
}

fn site_parents(conn: &Connection, id: Uuid) -> rusqlite::Result<Vec<Uuid>> {
    let parents: Option<String> = conn
        .prepare_cached("SELECT parents FROM site_revisions WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?;
    Ok(parents
        .and_then(|p| serde_json::from_str(&p).ok())
        .unwrap_or_default())
}

/// `from` and every revision it follows, nearest first.
fn site_ancestors(conn: &Connection, from: Uuid) -> rusqlite::Result<Vec<Uuid>> {
    let mut seen = HashSet::new();
    let mut order = Vec::new();
    let mut queue = VecDeque::from([from]);
    while let Some(id) = queue.pop_front() {
        if seen.insert(id) {
            order.push(id);
            queue.extend(site_parents(conn, id)?);
        }
    }
    Ok(order)
}

/// The nearest revision both `a` and `b` descend from.
fn site_common_ancestor(conn: &Connection, a: Uuid, b: Uuid) -> Result<Option<SiteRevision>> {
    let sql = |e: rusqlite::Error| corrupt(&a.to_string(), e);
    let of_a: HashSet<Uuid> = site_ancestors(conn, a).map_err(sql)?.into_iter().collect();
    match site_ancestors(conn, b)
        .map_err(sql)?
        .into_iter()
        .find(|id| of_a.contains(id))
    {
        Some(id) => load_site_rev(conn, id),
        None => Ok(None),
    }
}

/// Writes `site` as the registry's current view of it, and files again the fingerprints of the
/// reports it may change (those naming it, or naming a site merged into it): a site's point
/// and merges are part of a report's fingerprint.
fn show_site(tx: &Transaction, site: &Site, now: &str) -> Result<()> {
    let sql = |e: rusqlite::Error| corrupt(&site.id.to_string(), e);
    tx.prepare_cached(
        "INSERT INTO sites (id, name, kind, admin1, content, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind,
             admin1 = excluded.admin1, content = excluded.content",
    )
    .and_then(|mut s| {
        s.execute(params![
            site.id.to_string(),
            site.name,
            site.kind.key(),
            site.admin1,
            serde_json::to_string(site).expect("sites serialise"),
            now,
        ])
    })
    .map_err(sql)?;
    let contents: Vec<String> = tx
        .prepare_cached(
            "SELECT v.content FROM reports r JOIN revisions v ON v.id = r.head
              WHERE r.id IN (
                    SELECT report_id FROM report_sites WHERE site_id = ?1
                     UNION SELECT report_id FROM fingerprint_sites WHERE site_id = ?1
                     UNION SELECT rs.report_id FROM report_sites rs JOIN sites s ON s.id = rs.site_id
                            WHERE json_extract(s.content, '$.merged_into') = ?1)",
        )
        .and_then(|mut s| {
            s.query_map([site.id.to_string()], |r| r.get(0))?
                .collect()
        })
        .map_err(sql)?;
    for content in contents {
        let report: Report =
            serde_json::from_str(&content).map_err(|e| corrupt("a report's head", e))?;
        crate::incidents::file(tx, &report).map_err(sql)?;
    }
    Ok(())
}

/// The head a conflicted site shows: the latest made.
fn shown(heads: &[SiteRevision]) -> Option<&SiteRevision> {
    heads.iter().max_by_key(|h| (h.created_at, h.id))
}

impl Store {
    /// The author of site revisions saved without one: the signed-in user, else this device.
    pub(crate) fn site_author(&self) -> Result<String> {
        Ok(match self.account()? {
            Some(a) => a.user,
            None => self.device_id.clone(),
        })
    }

    /// Adds a site (checked first) to the registry, or changes it, recorded as `author`: a new
    /// revision following the site's head(s) (so saving a conflicted site resolves it), queued
    /// for the server; the current view and the fingerprints of the reports naming it follow,
    /// in one transaction. Saving what the site already is writes nothing.
    pub fn save_site_as(&self, site: Site, author: &str) -> Result<Site> {
        let site = site.check()?;
        self.write_site_rev(site.clone(), author, None)?;
        Ok(site)
    }

    /// Writes `site` (checked) as a new revision following the site's heads, as `author`, in
    /// one transaction: queued for the server, shown, the fingerprints of the reports naming
    /// it filed again. With `expected`, refused ([`StoreError::SiteMoved`]) unless the heads
    /// are exactly those (two or more: a conflict being settled); without, saving what the
    /// site already is writes nothing (None).
    pub(crate) fn write_site_rev(
        &self,
        site: Site,
        author: &str,
        expected: Option<&[Uuid]>,
    ) -> Result<Option<SiteRevision>> {
        let now = Utc::now();
        let at = stamp(now);
        let sql = self.sql();
        let mut conn = self.writer();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(&sql)?;
        let heads = site_heads(&tx, site.id)?;
        let mut parents: Vec<Uuid> = heads.iter().map(|h| h.id).collect();
        match expected {
            Some(expected) => {
                let mut chosen = expected.to_vec();
                parents.sort();
                chosen.sort();
                chosen.dedup();
                if chosen.len() < 2 || parents != chosen {
                    return Err(StoreError::SiteMoved(site.id));
                }
            }
            None => {
                if let [only] = heads.as_slice()
                    && only.content == site
                {
                    return Ok(None);
                }
            }
        }
        let rev = SiteRevision::new(site.clone(), parents, author, &self.device_id, now);
        // Revisions the server refused go again with this one (it follows them).
        tx.prepare_cached(
            "UPDATE site_revisions SET refused = NULL WHERE site_id = ?1 AND refused IS NOT NULL",
        )
        .and_then(|mut s| s.execute([site.id.to_string()]))
        .map_err(&sql)?;
        insert_site_rev(&tx, &rev, true, &at).map_err(&sql)?;
        set_only_head(&tx, site.id, rev.id).map_err(&sql)?;
        show_site(&tx, &site, &at)?;
        tx.commit().map_err(&sql)?;
        Ok(Some(rev))
    }

    /// Marks the site `merged` (found as [`Store::find_site`] finds it) a duplicate of `into`,
    /// as `author`: a revision setting `merged_into`, queued like any.
    pub fn merge_site_as(&self, merged: &str, into: &str, author: &str) -> Result<Site> {
        let mut site = self.find_site(merged)?;
        let target = self.find_site(into)?;
        site.merged_into = Some(target.id);
        self.save_site_as(site, author)
    }

    /// Up to `limit` site revisions made here the server has not stored yet, oldest first
    /// (parents before children).
    pub fn queued_site_revisions(&self, limit: usize) -> Result<Vec<SiteRevision>> {
        let conn = self.reader()?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        site_revs(
            &conn,
            &format!(
                "{SITE_REV_SELECT} WHERE queued = 1 AND refused IS NULL ORDER BY rowid LIMIT ?1"
            ),
            [limit],
        )
    }

    /// The server stored these site revisions: they leave the queue (kept, as every revision).
    pub fn ack_site_revisions(&self, ids: &[Uuid]) -> Result<()> {
        self.unqueue("site_revisions", ids)
    }

    /// Keeps a site revision the server refused with its reason, out of the queue (a batch
    /// with it would be refused whole) until the site is saved again. The reasons kept.
    pub fn refuse_site_revision(&self, id: Uuid, reason: &str) -> Result<()> {
        self.writer()
            .execute(
                "UPDATE site_revisions SET refused = ?2 WHERE id = ?1 AND queued = 1",
                params![id.to_string(), reason],
            )
            .map(|_| ())
            .map_err(self.sql())
    }

    /// The site revisions the server refused, with its reasons.
    pub fn refused_site_revisions(&self) -> Result<Vec<(SiteRevision, String)>> {
        let conn = self.reader()?;
        let reasons: Vec<(String, String)> = conn
            .prepare_cached(
                "SELECT id, refused FROM site_revisions WHERE refused IS NOT NULL ORDER BY rowid",
            )
            .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
            .map_err(self.sql())?;
        reasons
            .into_iter()
            .map(|(id, why)| {
                let rev = load_site_rev(&conn, parse_uuid(&id)?)?
                    .ok_or_else(|| corrupt(&id, "refused revision not held"))?;
                Ok((rev, why))
            })
            .collect()
    }

    /// Records the queued site revisions as `user`'s, the signed-in user the server knows this
    /// device by (it takes only a user's own site revisions): those made before signing in, or
    /// merged while pulling under another name. They were never sent, so no one holds them
    /// otherwise; their ids and hashes do not cover the author. Returns how many changed.
    pub fn author_queued_site_revisions(&self, user: &str) -> Result<usize> {
        self.writer()
            .execute(
                "UPDATE site_revisions SET author = ?1 WHERE queued = 1 AND author <> ?1",
                [user],
            )
            .map_err(self.sql())
    }

    /// Where this device stands in the server's site feed (0 before the first pull).
    pub fn sites_cursor(&self) -> Result<i64> {
        self.cursor(SITES_CURSOR)
    }

    /// Keeps site revisions pulled from the server's site feed and the feed's cursor `next`
    /// (None: the server sent none, the cursor stays), in one transaction. Each revision is
    /// kept once, by id; one that does not check is skipped and named. Two heads of a site
    /// merge by the report merge's rules (the merge revision queued for the server); fields
    /// changed differently stay a conflict ([`Store::site_conflicts`]), the latest head shown.
    pub fn apply_pulled_sites(
        &self,
        pulled: &[SiteRevision],
        next: Option<i64>,
        author: &str,
    ) -> Result<SitesApplied> {
        self.apply_site_revisions(pulled, next, author)
    }

    /// Keeps every revision of a site fetched with `GET /v1/sites/{id}` (and of the sites it
    /// was merged into), as [`Store::apply_pulled_sites`] does, the feed's cursor untouched.
    pub fn apply_site_history(
        &self,
        revisions: &[SiteRevision],
        author: &str,
    ) -> Result<SitesApplied> {
        self.apply_site_revisions(revisions, None, author)
    }

    fn apply_site_revisions(
        &self,
        pulled: &[SiteRevision],
        next: Option<i64>,
        author: &str,
    ) -> Result<SitesApplied> {
        let now = Utc::now();
        let at = stamp(now);
        let sql = self.sql();
        let mut conn = self.writer();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(&sql)?;
        let mut applied = SitesApplied::default();
        let mut touched = BTreeSet::new();
        for rev in pulled {
            if let Err(problems) = rev.check() {
                applied.rejected.push((rev.id, problems.to_string()));
                continue;
            }
            if !insert_site_rev(&tx, rev, false, &at).map_err(&sql)? {
                // Held already: if it was queued here, the server has it now.
                tx.prepare_cached("UPDATE site_revisions SET queued = 0 WHERE id = ?1")
                    .and_then(|mut s| s.execute([rev.id.to_string()]))
                    .map_err(&sql)?;
                applied.already_had += 1;
                continue;
            }
            let site = rev.site_id.to_string();
            for parent in &rev.parents {
                tx.prepare_cached("DELETE FROM site_heads WHERE site_id = ?1 AND rev_id = ?2")
                    .and_then(|mut s| s.execute([&site, &parent.to_string()]))
                    .map_err(&sql)?;
            }
            // A revision some head already follows is history, not a head.
            let heads: Vec<Uuid> = site_heads(&tx, rev.site_id)?.iter().map(|h| h.id).collect();
            let mut followed = false;
            for head in heads {
                if site_ancestors(&tx, head).map_err(&sql)?.contains(&rev.id) {
                    followed = true;
                    break;
                }
            }
            if !followed {
                tx.prepare_cached("INSERT INTO site_heads (site_id, rev_id) VALUES (?1, ?2)")
                    .and_then(|mut s| s.execute([&site, &rev.id.to_string()]))
                    .map_err(&sql)?;
            }
            touched.insert(rev.site_id);
            applied.received += 1;
        }
        for site in touched {
            let heads = site_heads(&tx, site)?;
            if heads.len() == 2 {
                let base = site_common_ancestor(&tx, heads[0].id, heads[1].id)?;
                if let SiteMerge::Clean(merged) = merge_sites(
                    base.as_ref().map(|b| &b.content),
                    &heads[0].content,
                    &heads[1].content,
                ) {
                    let ids: Vec<Uuid> = heads.iter().map(|h| h.id).collect();
                    let rev = SiteRevision::merge(*merged, &ids, author, &self.device_id, now);
                    // Another device may have made the same merge (its id is the heads'): then
                    // it is held already and not queued again.
                    insert_site_rev(&tx, &rev, true, &at).map_err(&sql)?;
                    set_only_head(&tx, site, rev.id).map_err(&sql)?;
                    show_site(&tx, &rev.content, &at)?;
                    applied.merged.push(site);
                    continue;
                }
            }
            if heads.len() > 1 {
                applied.conflicts.push(site);
            }
            if let Some(head) = shown(&heads) {
                show_site(&tx, &head.content, &at)?;
            }
        }
        if let Some(next) = next {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![SITES_CURSOR, next.to_string()],
            )
            .map_err(&sql)?;
        }
        tx.commit().map_err(&sql)?;
        Ok(applied)
    }

    /// Sites with conflicting versions, and the fields they disagree on.
    pub fn site_conflicts(&self) -> Result<Vec<SiteConflict>> {
        let conn = self.reader()?;
        let ids: Vec<String> = conn
            .prepare_cached(
                "SELECT site_id FROM site_heads GROUP BY site_id HAVING count(*) > 1 ORDER BY site_id",
            )
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .map_err(self.sql())?;
        let mut out = Vec::new();
        for id in ids {
            let site_id = parse_uuid(&id)?;
            let heads = site_heads(&conn, site_id)?;
            let base = site_common_ancestor(&conn, heads[0].id, heads[1].id)?;
            let fields = match merge_sites(
                base.as_ref().map(|b| &b.content),
                &heads[0].content,
                &heads[1].content,
            ) {
                SiteMerge::Conflict(disputes) => disputes.into_iter().map(|d| d.path).collect(),
                SiteMerge::Clean(_) => vec!["(more than two versions)".into()],
            };
            out.push(SiteConflict {
                site_id,
                heads,
                base,
                fields,
            });
        }
        Ok(out)
    }

    /// Every revision held of a site, oldest first.
    pub fn site_revisions(&self, site: Uuid) -> Result<Vec<SiteRevision>> {
        let conn = self.reader()?;
        site_revs(
            &conn,
            &format!("{SITE_REV_SELECT} WHERE site_id = ?1 ORDER BY created_at, id"),
            [site.to_string()],
        )
    }

    /// The sites reports name (and sites name as `merged_into`) that the registry does not
    /// hold: to fetch from the server (`GET /v1/sites/{id}`).
    pub fn unknown_sites(&self) -> Result<Vec<Uuid>> {
        let conn = self.reader()?;
        let rows: Vec<String> = conn
            .prepare_cached(
                "SELECT site_id FROM report_sites WHERE site_id NOT IN (SELECT id FROM sites)
                 UNION
                 SELECT json_extract(content, '$.merged_into') FROM sites
                  WHERE json_extract(content, '$.merged_into') IS NOT NULL
                    AND json_extract(content, '$.merged_into') NOT IN (SELECT id FROM sites)
                 ORDER BY 1",
            )
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .map_err(self.sql())?;
        rows.iter().map(|r| parse_uuid(r)).collect()
    }

    /// Gives the sites saved before migration 015 their first revision, queued for the server,
    /// in one transaction. Returns how many.
    pub(crate) fn first_site_revisions(&self) -> Result<usize> {
        let sql = self.sql();
        let missing: Vec<String> = self
            .reader()?
            .prepare(
                "SELECT content FROM sites s
                  WHERE NOT EXISTS (SELECT 1 FROM site_heads h WHERE h.site_id = s.id)
                  ORDER BY created_at, id",
            )
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .map_err(&sql)?;
        if missing.is_empty() {
            return Ok(0);
        }
        let author = self.site_author()?;
        let now = Utc::now();
        let at = stamp(now);
        let mut conn = self.writer();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(&sql)?;
        for content in &missing {
            let site: Site = serde_json::from_str(content).map_err(|e| corrupt("a site", e))?;
            // Tidied as a revision must be (sites were checked when saved; this is a no-op then).
            let site = site.clone().check().unwrap_or(site);
            let rev = SiteRevision::new(site, vec![], &author, &self.device_id, now);
            insert_site_rev(&tx, &rev, true, &at).map_err(&sql)?;
            set_only_head(&tx, rev.site_id, rev.id).map_err(&sql)?;
        }
        tx.commit().map_err(&sql)?;
        Ok(missing.len())
    }
}
