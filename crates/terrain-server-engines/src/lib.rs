//! The one place an engine is chosen: [`open_store`] reads the `--db` URL. The
//! `terrain-server` binary's `main` hands it to the server library (`cli::main`), which only
//! knows the storage trait.

use std::path::Path;
use std::sync::Arc;
use terrain_server_store::{ContactKey, ServerStore};

/// Opens the storage a URL names: `sqlite:PATH` or `postgres://...` (tables in `pg_schema`),
/// and seals under `contact_key` any contact an older server stored in clear.
pub async fn open_store(
    url: &str,
    pg_schema: &str,
    contact_key: &ContactKey,
) -> anyhow::Result<Arc<dyn ServerStore>> {
    let store: Arc<dyn ServerStore> = if let Some(path) = url.strip_prefix("sqlite:") {
        Arc::new(terrain_server_sqlite::SqliteStore::open(Path::new(path))?)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Arc::new(terrain_server_postgres::PgStore::connect(url, pg_schema).await?)
    } else {
        anyhow::bail!("--db: {url:?} is neither sqlite:PATH nor postgres://...")
    };
    let sealed = store.seal_clear_contacts(contact_key).await?;
    if sealed > 0 {
        tracing::info!(
            revisions = sealed,
            "contacts stored in clear are now sealed"
        );
    }
    Ok(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_sqlite_url_opens_a_file_and_anything_else_is_refused_naming_the_option() {
        let dir = tempfile::tempdir().unwrap();
        let key = ContactKey::random();
        let url = format!("sqlite:{}", dir.path().join("server.db").display());
        let store = open_store(&url, "terrain", &key).await.unwrap();
        store.health().await.unwrap();
        assert!(dir.path().join("server.db").exists());
        let refused = open_store("mysql://x", "terrain", &key)
            .await
            .err()
            .unwrap();
        assert!(
            refused.to_string().starts_with("--db: \"mysql://x\""),
            "{refused}"
        );
    }
}
