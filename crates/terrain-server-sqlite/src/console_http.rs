//! The console's sessions and administration on SQLite (issue 14): browser sessions, users and
//! their device tokens for administrators, the audit log searched. Called from the
//! `ServerStore` impl in `lib.rs`.

use crate::{SqliteStore, audit_time, backend, parse_time};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use terrain_server_store::*;

type SessionRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
);

/// An audit row's columns: at, actor, device, action, detail.
type AuditRow = (String, Option<String>, Option<String>, String, String);

impl SqliteStore {
    pub(crate) async fn sessions_start(
        &self,
        token_hash: &str,
        user: &str,
        csrf: &str,
        at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        let (hash, user, csrf) = (token_hash.to_string(), user.to_string(), csrf.to_string());
        self.call(move |c| {
            c.execute(
                "INSERT INTO console_sessions
                     (token_hash, user_name, csrf, created_at, last_used_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
                params![hash, user, csrf, audit_time(at), audit_time(expires_at)],
            )
            .map(|_| ())
            .map_err(backend)
        })
        .await
    }

    pub(crate) async fn sessions_find(
        &self,
        token_hash: &str,
    ) -> Result<Option<ConsoleSessionRecord>> {
        let hash = token_hash.to_string();
        self.call(move |c| {
            let row: Option<SessionRow> = c
                .query_row(
                    "SELECT u.name, u.role, u.regions, s.csrf, s.created_at, s.last_used_at,
                            s.expires_at, s.ended_at
                       FROM console_sessions s JOIN users u ON u.name = s.user_name
                      WHERE s.token_hash = ?1",
                    [hash],
                    |r| {
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
                    },
                )
                .optional()
                .map_err(backend)?;
            row.map(
                |(name, role, regions, csrf, created, used, expires, ended)| {
                    Ok(ConsoleSessionRecord {
                        user: User::from_columns(name, &role, &regions)?,
                        csrf,
                        created_at: parse_time(&created)?,
                        last_used: parse_time(&used)?,
                        expires_at: parse_time(&expires)?,
                        ended_at: ended.as_deref().map(parse_time).transpose()?,
                    })
                },
            )
            .transpose()
        })
        .await
    }

    pub(crate) async fn sessions_touch(&self, token_hash: &str, at: DateTime<Utc>) -> Result<()> {
        let hash = token_hash.to_string();
        self.call(move |c| {
            c.execute(
                "UPDATE console_sessions SET last_used_at = ?2
                  WHERE token_hash = ?1 AND last_used_at < ?2",
                params![hash, audit_time(at)],
            )
            .map(|_| ())
            .map_err(backend)
        })
        .await
    }

    pub(crate) async fn sessions_end(
        &self,
        user: &str,
        token_hash: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<usize> {
        let (user, hash) = (user.to_string(), token_hash.map(str::to_string));
        self.call(move |c| {
            c.execute(
                "UPDATE console_sessions SET ended_at = ?3
                  WHERE user_name = ?1 AND (?2 IS NULL OR token_hash = ?2) AND ended_at IS NULL",
                params![user, hash, audit_time(at)],
            )
            .map_err(backend)
        })
        .await
    }

    pub(crate) async fn all_users(&self) -> Result<Vec<(User, usize)>> {
        self.call(move |c| {
            let rows: Vec<(String, String, String, i64)> = c
                .prepare(
                    "SELECT u.name, u.role, u.regions,
                            (SELECT count(*) FROM devices d
                              WHERE d.user_name = u.name AND d.revoked_at IS NULL)
                       FROM users u ORDER BY u.name",
                )
                .and_then(|mut s| {
                    s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                        .collect()
                })
                .map_err(backend)?;
            rows.into_iter()
                .map(|(name, role, regions, n)| {
                    Ok((User::from_columns(name, &role, &regions)?, n as usize))
                })
                .collect()
        })
        .await
    }

    pub(crate) async fn devices_of(&self, user: &str) -> Result<Vec<DeviceRecord>> {
        let user = user.to_string();
        self.call(move |c| {
            let rows: Vec<(String, String, String, String, Option<String>)> = c
                .prepare(
                    "SELECT token_hash, name, created_at, coalesce(last_used_at, created_at),
                            revoked_at
                       FROM devices WHERE user_name = ?1",
                )
                .and_then(|mut s| {
                    s.query_map([user], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                    })?
                    .collect()
                })
                .map_err(backend)?;
            let mut devices = rows
                .into_iter()
                .map(|(token_hash, name, created, used, revoked)| {
                    Ok(DeviceRecord {
                        token_hash,
                        name,
                        created_at: parse_time(&created)?,
                        last_used: parse_time(&used)?,
                        revoked_at: revoked.as_deref().map(parse_time).transpose()?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            // Times were written in two text forms over the versions: sorted as times.
            devices.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.name.cmp(&b.name)));
            Ok(devices)
        })
        .await
    }

    pub(crate) async fn revoke_one(&self, token_hash: &str, at: DateTime<Utc>) -> Result<bool> {
        let hash = token_hash.to_string();
        self.call(move |c| {
            c.execute(
                "UPDATE devices SET revoked_at = ?2 WHERE token_hash = ?1 AND revoked_at IS NULL",
                params![hash, audit_time(at)],
            )
            .map(|n| n > 0)
            .map_err(backend)
        })
        .await
    }

    pub(crate) async fn audit_find(&self, q: &AuditSearch) -> Result<Vec<AuditEvent>> {
        let q = q.clone();
        self.call(move |c| {
            let mut stmt = c
                .prepare_cached(
                    "SELECT at, actor, device, action, detail FROM audit
                      WHERE (?1 IS NULL OR at >= ?1) AND (?2 IS NULL OR at < ?2)
                        AND (?3 IS NULL OR actor = ?3) AND (?4 IS NULL OR action = ?4)
                        AND (?5 IS NULL OR device = ?5)
                      ORDER BY at, id LIMIT ?6 OFFSET ?7",
                )
                .map_err(backend)?;
            let rows: Vec<AuditRow> = stmt
                .query_map(
                    params![
                        q.since.map(audit_time),
                        q.until.map(audit_time),
                        q.user,
                        q.action,
                        q.device,
                        q.limit as i64,
                        q.offset as i64
                    ],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .and_then(|rows| rows.collect())
                .map_err(backend)?;
            rows.into_iter()
                .map(|(at, actor, device, action, detail)| {
                    Ok(AuditEvent {
                        at: parse_time(&at)?,
                        actor,
                        device,
                        action,
                        detail,
                    })
                })
                .collect()
        })
        .await
    }
}
