//! The administrator's tasks, from the command line (`terrain-server user add`, `token
//! revoke`) and from the console (`/v1/admin/...`, administrators only): users, their
//! passwords and their device tokens, each change audited.

use crate::auth::hash_password;
use crate::error::AppError;
use crate::{AppState, actions};
use chrono::{DateTime, Utc};
use terrain_domain::text;
use terrain_protocol::{
    DeviceList, DeviceRow, NewUser, PasswordReset, Role, UserChange, UserList, UserRow, limits,
};
use terrain_server_store::{Device, DeviceRecord, User, device_id};

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
    let regions = checked_regions(&regions).map_err(|e| anyhow::anyhow!(e))?;
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

/// Regions as the gazetteer spells them, so they compare with reports' regions; a name it does
/// not know would match no report and is refused, with the closest name as a hint.
fn checked_regions(regions: &[String]) -> Result<Vec<String>, String> {
    regions
        .iter()
        .map(|r| match terrain_domain::gazetteer::region(r) {
            Some(region) => Ok(region.name.to_string()),
            None => {
                let names = terrain_domain::gazetteer::regions().iter().map(|g| g.name);
                let hint = terrain_domain::gazetteer::closest(r, names)
                    .map(|c| format!(" (did you mean {c}?)"))
                    .unwrap_or_default();
                Err(format!("{r:?} is not a region of Mali{hint}"))
            }
        })
        .collect()
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

// The console's administration (`/v1/admin/...`): administrators only, each change audited
// under the administrator's name and device.

fn only_admins(by: &Device) -> Result<(), AppError> {
    if by.user.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "only administrators manage users and devices",
        ))
    }
}

fn row(user: User, devices: usize) -> UserRow {
    UserRow {
        name: user.name,
        role: user.role,
        regions: user.regions,
        devices,
    }
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn device_row(d: &DeviceRecord) -> DeviceRow {
    DeviceRow {
        id: device_id(&d.token_hash),
        name: d.name.clone(),
        created_at: time(d.created_at),
        last_used_at: time(d.last_used),
        revoked_at: d.revoked_at.map(time),
    }
}

/// A role's regions, checked: a reporter or reviewer needs one at least.
fn role_regions(role: Role, regions: &[String]) -> Result<Vec<String>, AppError> {
    let regions = checked_regions(regions).map_err(|why| AppError::InvalidField {
        field: "regions",
        why,
    })?;
    if role != Role::Admin && regions.is_empty() {
        return Err(AppError::InvalidField {
            field: "regions",
            why: format!("a {} needs at least one region", role.as_str()),
        });
    }
    Ok(regions)
}

fn checked_password(password: &str) -> Result<(), AppError> {
    if password.chars().count() < limits::PASSWORD_MIN_CHARS {
        return Err(AppError::InvalidField {
            field: "password",
            why: format!(
                "must have at least {} characters",
                limits::PASSWORD_MIN_CHARS
            ),
        });
    }
    Ok(())
}

async fn audit_by(
    state: &AppState,
    by: &Device,
    action: &str,
    detail: String,
) -> crate::error::Result<()> {
    state
        .audit(Some(&by.user.name), Some(&by.name), action, detail)
        .await?;
    Ok(())
}

/// Every user with their role, regions and devices not revoked.
pub async fn list_users(state: &AppState, by: &Device) -> crate::error::Result<UserList> {
    only_admins(by)?;
    let users = state.store.users().await?;
    Ok(UserList {
        users: users.into_iter().map(|(u, n)| row(u, n)).collect(),
    })
}

/// A new user; refused when the name is taken (`user_exists`) or a field is not valid, changing
/// nothing.
pub async fn create_user(
    state: &AppState,
    by: &Device,
    new: NewUser,
) -> crate::error::Result<UserRow> {
    only_admins(by)?;
    if let Some(bad) = text::refused(&new.name, text::TextKind::Line) {
        return Err(AppError::invalid_text("name", bad));
    }
    if new.name.trim().is_empty() || new.name.trim() != new.name || new.name.chars().count() > 100 {
        return Err(AppError::InvalidField {
            field: "name",
            why: "must be 1 to 100 characters, not starting or ending with a space".into(),
        });
    }
    let regions = role_regions(new.role, &new.regions)?;
    checked_password(&new.password)?;
    if state.store.user(&new.name).await?.is_some() {
        return Err(AppError::UserExists(new.name));
    }
    let password = new.password;
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let user = User {
        name: new.name,
        role: new.role,
        regions,
    };
    state.store.put_user(&user, &hash).await?;
    audit_by(
        state,
        by,
        actions::USER_ADD,
        format!(
            "{} added as {} ({})",
            user.name,
            user.role.as_str(),
            regions_words(&user.regions)
        ),
    )
    .await?;
    Ok(row(user, 0))
}

fn regions_words(regions: &[String]) -> String {
    if regions.is_empty() {
        "all regions".to_string()
    } else {
        regions.join(", ")
    }
}

/// Changes a user's role and regions (their password and devices unchanged); effective at
/// their next request. An administrator cannot take their own administration away.
pub async fn change_user(
    state: &AppState,
    by: &Device,
    name: &str,
    change: UserChange,
) -> crate::error::Result<UserRow> {
    only_admins(by)?;
    let regions = role_regions(change.role, &change.regions)?;
    let Some((mut user, hash)) = state.store.user(name).await? else {
        return Err(AppError::NotFound(format!("no user named {name:?}")));
    };
    if user.name == by.user.name && change.role != Role::Admin {
        return Err(AppError::InvalidField {
            field: "role",
            why: "you cannot take your own administrator role away; ask another administrator"
                .into(),
        });
    }
    let before = format!("{} ({})", user.role.as_str(), regions_words(&user.regions));
    user.role = change.role;
    user.regions = regions;
    state.store.put_user(&user, &hash).await?;
    audit_by(
        state,
        by,
        actions::USER_CHANGE,
        format!(
            "{}: {before} -> {} ({})",
            user.name,
            user.role.as_str(),
            regions_words(&user.regions)
        ),
    )
    .await?;
    let devices = state
        .store
        .user_devices(&user.name)
        .await?
        .iter()
        .filter(|d| d.revoked_at.is_none())
        .count();
    Ok(row(user, devices))
}

/// Sets a user's password (argon2id); their open console sessions end. Device tokens stay.
pub async fn reset_password(
    state: &AppState,
    by: &Device,
    name: &str,
    reset: PasswordReset,
) -> crate::error::Result<()> {
    only_admins(by)?;
    checked_password(&reset.password)?;
    let Some((user, _)) = state.store.user(name).await? else {
        return Err(AppError::NotFound(format!("no user named {name:?}")));
    };
    let password = reset.password;
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    state.store.put_user(&user, &hash).await?;
    let ended = state
        .store
        .console_sessions_end(&user.name, None, Utc::now())
        .await?;
    audit_by(
        state,
        by,
        actions::PASSWORD_RESET,
        format!(
            "{}'s password set; {ended} console session(s) ended",
            user.name
        ),
    )
    .await
}

/// A user's device tokens, newest first, with opaque ids.
pub async fn devices(
    state: &AppState,
    by: &Device,
    name: &str,
) -> crate::error::Result<DeviceList> {
    only_admins(by)?;
    if state.store.user(name).await?.is_none() {
        return Err(AppError::NotFound(format!("no user named {name:?}")));
    }
    let devices = state.store.user_devices(name).await?;
    Ok(DeviceList {
        user: name.to_string(),
        devices: devices.iter().map(device_row).collect(),
    })
}

/// Revokes one device token by its id: its next request (a sync) is refused `token_revoked`.
pub async fn revoke_device(
    state: &AppState,
    by: &Device,
    id: &str,
) -> crate::error::Result<DeviceRow> {
    only_admins(by)?;
    let not_found = || AppError::NotFound(format!("no device with id {id:?}"));
    if id.len() != 32
        || !id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(not_found());
    }
    // Administrators manage tens of users with a few devices each: looked for among them all.
    for (user, _) in state.store.users().await? {
        let devices = state.store.user_devices(&user.name).await?;
        let Some(device) = devices.into_iter().find(|d| device_id(&d.token_hash) == id) else {
            continue;
        };
        let now = Utc::now();
        let revoked = state.store.revoke_token(&device.token_hash, now).await?;
        if revoked {
            audit_by(
                state,
                by,
                actions::TOKEN_REVOKE,
                format!(
                    "device {:?} of {} revoked (id {id})",
                    device.name, user.name
                ),
            )
            .await?;
            tracing::info!(user = %user.name, device = %device.name, "device token revoked");
        }
        let mut device = device;
        device.revoked_at = device.revoked_at.or(Some(now));
        return Ok(device_row(&device));
    }
    Err(not_found())
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

    fn admin() -> Device {
        crate::policy::testing::device("root", Role::Admin, &[])
    }

    fn new_user(name: &str, role: Role, regions: &[&str], password: &str) -> NewUser {
        NewUser {
            name: name.into(),
            role,
            regions: regions.iter().map(|r| r.to_string()).collect(),
            password: password.into(),
        }
    }

    #[tokio::test]
    async fn only_administrators_manage_users_and_bad_fields_change_nothing() {
        let (state, _dir) = state();
        let reviewer = crate::policy::testing::device("bina", Role::Reviewer, &["Kayes"]);
        let refused = list_users(&state, &reviewer).await.unwrap_err();
        assert_eq!(refused.code(), terrain_protocol::codes::FORBIDDEN);
        let refused = create_user(
            &state,
            &reviewer,
            new_user("x", Role::Admin, &[], "long enough pw"),
        );
        assert_eq!(
            refused.await.unwrap_err().code(),
            terrain_protocol::codes::FORBIDDEN
        );
        let root = admin();
        let cases = [
            (
                new_user("awa", Role::Reporter, &[], "long enough pw"),
                "regions: a reporter needs at least one region",
            ),
            (
                new_user("awa", Role::Reporter, &["Moptii"], "long enough pw"),
                "regions: \"Moptii\" is not a region of Mali (did you mean Mopti?)",
            ),
            (
                new_user("awa", Role::Reporter, &["Mopti"], "short"),
                "password: must have at least 10 characters",
            ),
            (
                new_user(" awa", Role::Reporter, &["Mopti"], "long enough pw"),
                "name: must be 1 to 100 characters, not starting or ending with a space",
            ),
        ];
        for (new, words) in cases {
            let e = create_user(&state, &root, new).await.unwrap_err();
            assert_eq!(e.to_string(), words);
        }
        assert!(list_users(&state, &root).await.unwrap().users.is_empty());
        let added = create_user(
            &state,
            &root,
            new_user("awa", Role::Reporter, &["mopti"], "long enough pw"),
        )
        .await
        .unwrap();
        assert_eq!(added.regions, ["Mopti"]);
        let again = create_user(
            &state,
            &root,
            new_user("awa", Role::Admin, &[], "another long pw"),
        );
        assert_eq!(
            again.await.unwrap_err().code(),
            terrain_protocol::codes::USER_EXISTS
        );
        let users = list_users(&state, &root).await.unwrap().users;
        assert_eq!(users, [added]);
    }

    #[tokio::test]
    async fn roles_regions_and_passwords_change_and_are_audited() {
        let (state, _dir) = state();
        let root = admin();
        add_user(&state, "root", Role::Admin, vec![], "root password")
            .await
            .unwrap();
        add_user(
            &state,
            "awa",
            Role::Reporter,
            vec!["Mopti".into()],
            "first password",
        )
        .await
        .unwrap();
        let change = UserChange {
            role: Role::Reviewer,
            regions: vec!["Kayes".into(), "Mopti".into()],
        };
        let changed = change_user(&state, &root, "awa", change).await.unwrap();
        assert_eq!((changed.role, changed.regions.len()), (Role::Reviewer, 2));
        let own = UserChange {
            role: Role::Reporter,
            regions: vec!["Kayes".into()],
        };
        assert!(
            change_user(&state, &root, "root", own)
                .await
                .unwrap_err()
                .to_string()
                .starts_with("role: ")
        );
        let nobody = UserChange {
            role: Role::Admin,
            regions: vec![],
        };
        assert_eq!(
            change_user(&state, &root, "nobody", nobody)
                .await
                .unwrap_err()
                .code(),
            terrain_protocol::codes::NOT_FOUND
        );
        let now = Utc::now();
        state
            .store
            .console_session_start("h", "awa", "c", now, now + chrono::Duration::hours(1))
            .await
            .unwrap();
        reset_password(
            &state,
            &root,
            "awa",
            PasswordReset {
                password: "second password".into(),
            },
        )
        .await
        .unwrap();
        let (_, hash) = state.store.user("awa").await.unwrap().unwrap();
        assert!(crate::auth::password_matches("second password", &hash));
        assert!(
            state
                .store
                .console_session("h")
                .await
                .unwrap()
                .unwrap()
                .ended_at
                .is_some()
        );
        let query = terrain_server_store::AuditSearch {
            user: Some(root.user.name.clone()),
            limit: 10,
            ..Default::default()
        };
        let events = state.store.audit_search(&query).await.unwrap();
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, [actions::USER_CHANGE, actions::PASSWORD_RESET]);
        assert_eq!(
            events[0].detail,
            "awa: reporter (Mopti) -> reviewer (Kayes, Mopti)"
        );
        assert_eq!(
            events[1].detail,
            "awa's password set; 1 console session(s) ended"
        );
    }

    #[tokio::test]
    async fn a_device_is_revoked_by_its_opaque_id() {
        let (state, _dir) = state();
        let root = admin();
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
        let list = devices(&state, &root, "awa").await.unwrap();
        assert_eq!(list.devices.len(), 2);
        let phone = list.devices.iter().find(|d| d.name == "phone").unwrap();
        assert_eq!(phone.id.len(), 32);
        assert!(
            !phone.id.contains(&token_hash("t1")[..8]),
            "the id is not the hash"
        );
        assert_eq!(list_users(&state, &root).await.unwrap().users[0].devices, 2);
        let revoked = revoke_device(&state, &root, &phone.id).await.unwrap();
        assert!(revoked.revoked_at.is_some());
        assert!(
            state
                .store
                .device(&token_hash("t1"))
                .await
                .unwrap()
                .unwrap()
                .revoked
        );
        assert!(
            !state
                .store
                .device(&token_hash("t2"))
                .await
                .unwrap()
                .unwrap()
                .revoked
        );
        assert_eq!(list_users(&state, &root).await.unwrap().users[0].devices, 1);
        let unknown = revoke_device(&state, &root, "0123456789abcdef0123456789abcdef").await;
        assert_eq!(
            unknown.unwrap_err().code(),
            terrain_protocol::codes::NOT_FOUND
        );
        let query = terrain_server_store::AuditSearch {
            user: Some(root.user.name.clone()),
            limit: 10,
            ..Default::default()
        };
        let events = state.store.audit_search(&query).await.unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].action, actions::TOKEN_REVOKE);
        assert_eq!(events[0].device.as_deref(), Some("root's phone"));
    }
}
