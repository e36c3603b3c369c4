//! The administrator's commands (`terrain-server user add`, `token revoke`): users and their
//! device tokens, each change audited. Not served over HTTP.

use crate::auth::hash_password;
use crate::{AppState, actions};
use chrono::Utc;
use terrain_domain::text;
use terrain_protocol::Role;

/// Creates or replaces a user (the admin command's core, so tests can call it too).
pub async fn add_user(
    state: &AppState,
    name: &str,
    role: Role,
    regions: Vec<String>,
    password: &str,
) -> anyhow::Result<()> {
    if let Some(bad) = text::refused(name, text::TextKind::Line) {
        anyhow::bail!("the user name {bad}");
    }
    if name.trim().is_empty() || name.trim() != name {
        anyhow::bail!("the user name {name:?} is empty or starts or ends with a space");
    }
    // Stored as the gazetteer spells them, so they compare with reports' regions; a name it
    // does not know would match no report and is refused.
    let regions = regions
        .iter()
        .map(|r| match terrain_domain::gazetteer::region(r) {
            Some(region) => Ok(region.name.to_string()),
            None => {
                let names = terrain_domain::gazetteer::regions().iter().map(|g| g.name);
                let hint = terrain_domain::gazetteer::closest(r, names)
                    .map(|c| format!(" (did you mean {c}?)"))
                    .unwrap_or_default();
                Err(anyhow::anyhow!("{r:?} is not a region of Mali{hint}"))
            }
        })
        .collect::<anyhow::Result<Vec<String>>>()?;
    let password = password.to_string();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password)).await?;
    let user = terrain_server_store::User {
        name: name.to_string(),
        role,
        regions,
    };
    state.store.put_user(&user, &hash).await?;
    let regions = if user.regions.is_empty() {
        "all regions".to_string()
    } else {
        user.regions.join(", ")
    };
    state
        .audit(
            None,
            None,
            actions::USER_ADD,
            format!("{name} saved as {} ({regions})", role.as_str()),
        )
        .await?;
    Ok(())
}

/// Revokes `user`'s device tokens, one device by name or all, and records it in the audit log
/// (the admin command's core, so tests can call it too). Refused from the next request on:
/// tokens are looked up on every request, never cached. Returns how many were revoked.
pub async fn revoke_tokens(
    state: &AppState,
    user: &str,
    device: Option<&str>,
) -> anyhow::Result<usize> {
    let n = state.store.revoke(user, device, Utc::now()).await?;
    let which = device.map_or("all devices".to_string(), |d| format!("device {d}"));
    state
        .audit(
            None,
            None,
            actions::TOKEN_REVOKE,
            format!("{n} token(s) of {user} revoked ({which})"),
        )
        .await?;
    tracing::info!(%user, count = n, "device tokens revoked");
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::token_hash;
    use crate::policy::testing::state;

    #[tokio::test]
    async fn a_user_is_saved_with_regions_as_the_gazetteer_spells_them() {
        let (state, _dir) = state();
        add_user(&state, "awa", Role::Reporter, vec!["mopti".into()], "pw")
            .await
            .unwrap();
        let (user, _) = state.store.user("awa").await.unwrap().unwrap();
        assert_eq!(user.regions, ["Mopti"]);
        let unknown = add_user(&state, "awa", Role::Reporter, vec!["Moptii".into()], "pw").await;
        assert!(
            unknown
                .unwrap_err()
                .to_string()
                .contains("did you mean Mopti?")
        );
        let spaced = add_user(&state, " awa", Role::Reporter, vec![], "pw").await;
        assert!(
            spaced
                .unwrap_err()
                .to_string()
                .contains("starts or ends with a space")
        );
    }

    #[tokio::test]
    async fn revoking_refuses_the_devices_tokens_and_is_audited() {
        let (state, _dir) = state();
        add_user(&state, "awa", Role::Reporter, vec![], "pw")
            .await
            .unwrap();
        let now = Utc::now();
        for (device, token) in [("phone", "t1"), ("laptop", "t2")] {
            state
                .store
                .add_device("awa", device, &token_hash(token), now)
                .await
                .unwrap();
        }
        assert_eq!(
            revoke_tokens(&state, "awa", Some("phone")).await.unwrap(),
            1
        );
        let phone = state
            .store
            .device(&token_hash("t1"))
            .await
            .unwrap()
            .unwrap();
        let laptop = state
            .store
            .device(&token_hash("t2"))
            .await
            .unwrap()
            .unwrap();
        assert!(phone.revoked && !laptop.revoked);
        let query = terrain_server_store::AuditQuery {
            since: None,
            user: None,
            limit: 10,
        };
        let events = state.store.audit(&query).await.unwrap();
        assert_eq!(
            events.last().unwrap().detail,
            "1 token(s) of awa revoked (device phone)"
        );
    }
}
