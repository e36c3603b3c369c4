//! Shared sites on PostgreSQL (schema step 12): site revisions kept once by id at their feed
//! position, the site feed by region, and a site's revisions. What a row holds is decided in
//! `terrain_server_store::sites`; this is SQL. Writers lock their table, so feed positions
//! commit in the order handed out and two processes storing one revision keep it once.

use crate::{PgStore, backend, insert_audit};
use terrain_domain::{Site, SiteRevision};
use terrain_server_store::{IncomingSite, Result, SitePage, SitesStored, StoredSite};
use uuid::Uuid;

/// The columns read back, in this order.
const COLUMNS: &str =
    "seq, region, id, site_id, parents, content, content_hash, author, device, created_at";

fn parse(r: &tokio_postgres::Row) -> Result<StoredSite> {
    let created_at: String = r.get(9);
    Ok(StoredSite {
        seq: r.get(0),
        region: r.get(1),
        revision: SiteRevision {
            id: r.get(2),
            site_id: r.get(3),
            parents: serde_json::from_str(r.get(4)).map_err(backend)?,
            content: serde_json::from_str::<Site>(r.get(5)).map_err(backend)?,
            content_hash: r.get(6),
            author: r.get(7),
            device: r.get(8),
            created_at: serde_json::from_value(serde_json::Value::String(created_at))
                .map_err(backend)?,
        },
    })
}

impl PgStore {
    pub(crate) async fn sites_store(
        &self,
        batch: Vec<IncomingSite>,
        user: &str,
    ) -> Result<SitesStored> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(backend)?;
        tx.batch_execute("LOCK TABLE site_revisions IN SHARE ROW EXCLUSIVE MODE")
            .await
            .map_err(backend)?;
        let mut out = Vec::with_capacity(batch.len());
        for IncomingSite {
            revision: rev,
            region,
            event,
        } in batch
        {
            let held = tx
                .query_opt("SELECT 1 FROM site_revisions WHERE id = $1", &[&rev.id])
                .await
                .map_err(backend)?
                .is_some();
            if held {
                out.push(false);
                continue;
            }
            // A device id belongs to the user who first sent under it (a report revision's
            // claim and this one meet on the same row; the read after the insert sees whichever
            // committed first).
            tx.execute(
                "INSERT INTO device_owners (device, user_name, first_rev) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
                &[&rev.device, &user, &rev.id],
            )
            .await
            .map_err(backend)?;
            let owner: String = tx
                .query_one(
                    "SELECT user_name FROM device_owners WHERE device = $1",
                    &[&rev.device],
                )
                .await
                .map_err(backend)?
                .get(0);
            if owner != user {
                // Dropped without commit: nothing of the batch is stored.
                return Ok(SitesStored::DeviceOfAnotherUser { device: rev.device });
            }
            let parents = serde_json::to_string(&rev.parents).map_err(backend)?;
            let content = serde_json::to_string(&rev.content).map_err(backend)?;
            let created_at = serde_json::to_value(rev.created_at).map_err(backend)?;
            let new = tx
                .execute(
                    "INSERT INTO site_revisions (id, site_id, region, parents, content,
                                                 content_hash, author, device, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING",
                    &[
                        &rev.id,
                        &rev.site_id,
                        &region,
                        &parents,
                        &content,
                        &rev.content_hash,
                        &rev.author,
                        &rev.device,
                        &created_at.as_str().unwrap_or_default(),
                    ],
                )
                .await
                .map_err(backend)?
                > 0;
            if new {
                insert_audit(&tx, std::slice::from_ref(&event)).await?;
            }
            out.push(new);
        }
        tx.commit().await.map_err(backend)?;
        Ok(SitesStored::Stored(out))
    }

    pub(crate) async fn sites_by_id(&self, ids: Vec<Uuid>) -> Result<Vec<StoredSite>> {
        let rows = self
            .client()
            .await?
            .query(
                &format!("SELECT {COLUMNS} FROM site_revisions WHERE id = ANY($1) ORDER BY seq"),
                &[&ids],
            )
            .await
            .map_err(backend)?;
        rows.iter().map(parse).collect()
    }

    pub(crate) async fn sites_of(&self, sites: Vec<Uuid>) -> Result<Vec<StoredSite>> {
        let rows = self
            .client()
            .await?
            .query(
                &format!(
                    "SELECT {COLUMNS} FROM site_revisions WHERE site_id = ANY($1) ORDER BY seq"
                ),
                &[&sites],
            )
            .await
            .map_err(backend)?;
        rows.iter().map(parse).collect()
    }

    pub(crate) async fn sites_feed(
        &self,
        since: i64,
        limit: usize,
        regions: Option<Vec<String>>,
    ) -> Result<SitePage> {
        let rows = self
            .feed_rows(
                &format!(
                    "SELECT {COLUMNS} FROM site_revisions
                  WHERE seq > $1 AND ($2::text[] IS NULL OR region = ANY($2))
                  ORDER BY seq LIMIT $3"
                ),
                since,
                limit,
                regions,
            )
            .await?;
        let items = rows.iter().map(parse).collect::<Result<Vec<_>>>()?;
        Ok(SitePage::of(items, since, limit, |s| s.seq))
    }
}
