//! The console's sessions and administration on PostgreSQL (issue 14): browser sessions, users
//! and their device tokens for administrators, the audit log searched. Called from the
//! `ServerStore` impl in `lib.rs`.

use crate::{PgStore, backend};
use chrono::{DateTime, Utc};
use terrain_server_store::*;

impl PgStore {
    pub(crate) async fn sessions_start(
        &self,
        token_hash: &str,
        user: &str,
        csrf: &str,
        at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO console_sessions
                     (token_hash, user_name, csrf, created_at, last_used_at, expires_at)
                 VALUES ($1, $2, $3, $4, $4, $5)",
                &[&token_hash, &user, &csrf, &at, &expires_at],
            )
            .await
            .map(|_| ())
            .map_err(backend)
    }

    pub(crate) async fn sessions_find(
        &self,
        token_hash: &str,
    ) -> Result<Option<ConsoleSessionRecord>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT u.name, u.role, u.regions, s.csrf, s.created_at, s.last_used_at,
                        s.expires_at, s.ended_at
                   FROM console_sessions s JOIN users u ON u.name = s.user_name
                  WHERE s.token_hash = $1",
                &[&token_hash],
            )
            .await
            .map_err(backend)?;
        row.map(|r| {
            Ok(ConsoleSessionRecord {
                user: User::from_columns(r.get(0), r.get(1), r.get(2))?,
                csrf: r.get(3),
                created_at: r.get(4),
                last_used: r.get(5),
                expires_at: r.get(6),
                ended_at: r.get(7),
            })
        })
        .transpose()
    }

    pub(crate) async fn sessions_touch(&self, token_hash: &str, at: DateTime<Utc>) -> Result<()> {
        self.client()
            .await?
            .execute(
                "UPDATE console_sessions SET last_used_at = $2
                  WHERE token_hash = $1 AND last_used_at < $2",
                &[&token_hash, &at],
            )
            .await
            .map(|_| ())
            .map_err(backend)
    }

    pub(crate) async fn sessions_end(
        &self,
        user: &str,
        token_hash: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<usize> {
        self.client()
            .await?
            .execute(
                "UPDATE console_sessions SET ended_at = $3
                  WHERE user_name = $1 AND ($2::text IS NULL OR token_hash = $2)
                    AND ended_at IS NULL",
                &[&user, &token_hash, &at],
            )
            .await
            .map(|n| n as usize)
            .map_err(backend)
    }

    pub(crate) async fn all_users(&self) -> Result<Vec<(User, usize)>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT u.name, u.role, u.regions,
                        (SELECT count(*) FROM devices d
                          WHERE d.user_name = u.name AND d.revoked_at IS NULL)
                   FROM users u ORDER BY u.name COLLATE \"C\"",
                &[],
            )
            .await
            .map_err(backend)?;
        rows.iter()
            .map(|r| {
                let n: i64 = r.get(3);
                Ok((
                    User::from_columns(r.get(0), r.get(1), r.get(2))?,
                    n as usize,
                ))
            })
            .collect()
    }

    pub(crate) async fn devices_of(&self, user: &str) -> Result<Vec<DeviceRecord>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT token_hash, name, created_at, coalesce(last_used_at, created_at),
                        revoked_at
                   FROM devices WHERE user_name = $1
                  ORDER BY created_at DESC, name COLLATE \"C\"",
                &[&user],
            )
            .await
            .map_err(backend)?;
        Ok(rows
            .iter()
            .map(|r| DeviceRecord {
                token_hash: r.get(0),
                name: r.get(1),
                created_at: r.get(2),
                last_used: r.get(3),
                revoked_at: r.get(4),
            })
            .collect())
    }

    pub(crate) async fn revoke_one(&self, token_hash: &str, at: DateTime<Utc>) -> Result<bool> {
        self.client()
            .await?
            .execute(
                "UPDATE devices SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL",
                &[&token_hash, &at],
            )
            .await
            .map(|n| n > 0)
            .map_err(backend)
    }

    pub(crate) async fn audit_find(&self, q: &AuditSearch) -> Result<Vec<AuditEvent>> {
        let (limit, offset) = (q.limit as i64, q.offset as i64);
        let rows = self
            .client()
            .await?
            .query(
                "SELECT at, actor, device, action, detail FROM audit
                  WHERE ($1::timestamptz IS NULL OR at >= $1)
                    AND ($2::timestamptz IS NULL OR at < $2)
                    AND ($3::text IS NULL OR actor = $3) AND ($4::text IS NULL OR action = $4)
                    AND ($5::text IS NULL OR device = $5)
                  ORDER BY at, id LIMIT $6 OFFSET $7",
                &[
                    &q.since, &q.until, &q.user, &q.action, &q.device, &limit, &offset,
                ],
            )
            .await
            .map_err(backend)?;
        Ok(rows
            .iter()
            .map(|r| AuditEvent {
                at: r.get(0),
                actor: r.get(1),
                device: r.get(2),
                action: r.get(3),
                detail: r.get(4),
            })
            .collect())
    }
}
