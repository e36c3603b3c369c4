//! Review decisions (schema step 6): appended with their audit event, read by report and as
//! the decision feed. Writers lock the `reviews` table for their transaction (readers do not
//! wait), so feed positions commit in the order they are handed out.

use crate::{PgStore, backend, insert_audit};
use chrono::{DateTime, Utc};
use terrain_domain::{ReviewDecision, ReviewState};
use terrain_server_store::{AuditEvent, Result, ReviewPage};
use tokio_postgres::Row;
use uuid::Uuid;

const COLUMNS: &str = "seq, id, report_id, revision, state, comment, by_user, at";

fn read(r: &Row) -> Result<(i64, ReviewDecision)> {
    let state: String = r.get(4);
    let at: DateTime<Utc> = r.get(7);
    Ok((
        r.get(0),
        ReviewDecision {
            id: r.get(1),
            report_id: r.get(2),
            revision: r.get(3),
            state: ReviewState::parse(&state)
                .ok_or_else(|| backend(format!("unknown review state {state:?}")))?,
            comment: r.get(5),
            by: r.get(6),
            at: at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        },
    ))
}

impl PgStore {
    pub(crate) async fn review_append(&self, d: &ReviewDecision, event: AuditEvent) -> Result<i64> {
        let at = DateTime::parse_from_rfc3339(&d.at)
            .map_err(backend)?
            .with_timezone(&Utc);
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(backend)?;
        tx.batch_execute("LOCK TABLE reviews IN SHARE ROW EXCLUSIVE MODE")
            .await
            .map_err(backend)?;
        let seq: i64 = tx
            .query_one(
                "INSERT INTO reviews (id, report_id, revision, state, comment, by_user, at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq",
                &[
                    &d.id,
                    &d.report_id,
                    &d.revision,
                    &d.state.key(),
                    &d.comment,
                    &d.by,
                    &at,
                ],
            )
            .await
            .map_err(backend)?
            .get(0);
        let indexed: bool = tx
            .query_one("SELECT to_regclass('report_index') IS NOT NULL", &[])
            .await
            .map_err(backend)?
            .get(0);
        if indexed {
            tx.execute(
                "UPDATE report_index SET review_state = $1 WHERE report_id = $2",
                &[&d.state.key(), &d.report_id],
            )
            .await
            .map_err(backend)?;
        }
        insert_audit(&tx, std::slice::from_ref(&event)).await?;
        tx.commit().await.map_err(backend)?;
        Ok(seq)
    }

    pub(crate) async fn review_list(&self, report: Uuid) -> Result<Vec<ReviewDecision>> {
        let rows = self
            .client()
            .await?
            .query(
                &format!("SELECT {COLUMNS} FROM reviews WHERE report_id = $1 ORDER BY seq"),
                &[&report],
            )
            .await
            .map_err(backend)?;
        rows.iter().map(|r| Ok(read(r)?.1)).collect()
    }

    pub(crate) async fn review_latest(&self, reports: Vec<Uuid>) -> Result<Vec<ReviewDecision>> {
        let rows = self
            .client()
            .await?
            .query(
                &format!(
                    "SELECT DISTINCT ON (report_id) {COLUMNS} FROM reviews
                      WHERE report_id = ANY($1) ORDER BY report_id, seq DESC"
                ),
                &[&reports],
            )
            .await
            .map_err(backend)?;
        rows.iter().map(|r| Ok(read(r)?.1)).collect()
    }

    pub(crate) async fn review_feed_page(
        &self,
        since: i64,
        limit: usize,
        regions: Option<Vec<String>>,
    ) -> Result<ReviewPage> {
        let rows = self
            .feed_rows(
                &format!(
                    "SELECT {COLUMNS} FROM reviews
                  WHERE seq > $1 AND ($2::text[] IS NULL OR EXISTS (
                        SELECT 1 FROM revisions r WHERE r.report_id = reviews.report_id
                           AND r.region = ANY($2)))
                  ORDER BY seq LIMIT $3"
                ),
                since,
                limit,
                regions,
            )
            .await?;
        let items = rows.iter().map(read).collect::<Result<Vec<_>>>()?;
        Ok(ReviewPage::of(items, since, limit, |(seq, _)| *seq))
    }

    pub(crate) async fn revision_report(&self, rev: Uuid) -> Result<Option<Uuid>> {
        let row = self
            .client()
            .await?
            .query_opt("SELECT report_id FROM revisions WHERE id = $1", &[&rev])
            .await
            .map_err(backend)?;
        Ok(row.map(|r| r.get(0)))
    }
}
