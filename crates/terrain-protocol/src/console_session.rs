//! The console's browser sessions and its administration endpoints (issue 14): what a browser
//! signs in with and is told, and the administrator's users and devices.
//!
//! A browser signs in with `POST /v1/console/session` ([`ConsoleSignIn`]) and receives a cookie
//! (HttpOnly, SameSite=Strict, named [`CONSOLE_COOKIE`], or [`CONSOLE_COOKIE_SECURE`] under TLS)
//! and a [`ConsoleSession`], whose `csrf` it sends back as the [`CSRF_HEADER`] header on every
//! POST, PUT, PATCH and DELETE made with the cookie. Every /v1 endpoint then takes the cookie
//! as it takes a device token, with the same role and region rules.

use crate::Role;
use serde::{Deserialize, Serialize};

#[cfg(feature = "schema")]
use crate::schema;

/// The console's cookie over plain HTTP.
pub const CONSOLE_COOKIE: &str = "terrain_console";
/// The console's cookie under TLS: the `__Host-` prefix makes browsers refuse it unless it is
/// Secure, has Path=/ and no Domain, so no other host or path can set or shadow it.
pub const CONSOLE_COOKIE_SECURE: &str = "__Host-terrain_console";
/// The header carrying the session's CSRF token ([`ConsoleSession::csrf`]) on state-changing
/// requests made with the cookie.
pub const CSRF_HEADER: &str = "X-CSRF-Token";

/// POST /v1/console/session: the same account as on a device.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConsoleSignIn {
    #[cfg_attr(feature = "schema", schemars(schema_with = "schema::line"))]
    pub user: String,
    pub password: String,
}

/// The signed-in browser: who, with which role and regions, and the token to send as
/// [`CSRF_HEADER`]. Answered by POST and GET /v1/console/session.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleSession {
    pub user: String,
    pub role: Role,
    /// Regions (admin1) the user reads; empty for an admin: all.
    pub regions: Vec<String>,
    /// This session's CSRF token: send it as `X-CSRF-Token` with every POST, PUT, PATCH and
    /// DELETE.
    pub csrf: String,
    /// Minutes without a request after which the session ends.
    pub idle_minutes: u32,
    /// When the session ends whatever its use (RFC 3339, UTC).
    #[cfg_attr(feature = "schema", schemars(extend("format" = "date-time")))]
    pub expires_at: String,
}

/// One user, as GET /v1/admin/users lists them (administrators only).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    pub name: String,
    pub role: Role,
    /// Regions (admin1); empty for an admin: all.
    pub regions: Vec<String>,
    /// Device tokens not revoked (expired ones included).
    pub devices: usize,
}

/// GET /v1/admin/users: every user, by name.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserList {
    pub users: Vec<UserRow>,
}

/// POST /v1/admin/users: a new user. Refused (`user_exists`) when the name is taken.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewUser {
    #[cfg_attr(feature = "schema", schemars(schema_with = "schema::line"))]
    pub name: String,
    pub role: Role,
    /// Regions of Mali (admin1); a reporter or reviewer needs at least one.
    #[serde(default)]
    pub regions: Vec<String>,
    /// At least [`crate::limits::PASSWORD_MIN_CHARS`] characters.
    #[cfg_attr(
        feature = "schema",
        schemars(length(min = crate::limits::PASSWORD_MIN_CHARS))
    )]
    pub password: String,
}

/// PUT /v1/admin/users/{name}: the user's role and regions (the password is unchanged).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserChange {
    pub role: Role,
    #[serde(default)]
    pub regions: Vec<String>,
}

/// POST /v1/admin/users/{name}/password: a new password, set by an administrator.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PasswordReset {
    /// At least [`crate::limits::PASSWORD_MIN_CHARS`] characters.
    #[cfg_attr(
        feature = "schema",
        schemars(length(min = crate::limits::PASSWORD_MIN_CHARS))
    )]
    pub password: String,
}

/// One device token of a user (GET /v1/admin/users/{name}/devices). The id is opaque: derived
/// from the token's stored hash, it tells nothing of the token.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRow {
    /// For POST /v1/admin/devices/{id}/revoke: 32 lower-case hex digits.
    pub id: String,
    /// The name the device signed in with.
    pub name: String,
    /// RFC 3339, UTC.
    #[cfg_attr(feature = "schema", schemars(extend("format" = "date-time")))]
    pub created_at: String,
    /// RFC 3339, UTC (written about once a minute).
    #[cfg_attr(feature = "schema", schemars(extend("format" = "date-time")))]
    pub last_used_at: String,
    /// RFC 3339, UTC; absent while the token is valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
}

/// GET /v1/admin/users/{name}/devices: newest first.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeviceList {
    pub user: String,
    pub devices: Vec<DeviceRow>,
}
