//! What the server allows and does, without HTTP: each module takes the state and plain
//! values, and answers with plain values or an [`AppError`](crate::AppError) cause. The
//! handlers in [`crate::api`] only translate requests to these calls and their answers back.
//! Tested here with a real SQLite store and no router.

pub mod admin;
pub mod audit;
pub mod blobs;
pub mod bundle_uploads;
pub mod bundles;
pub mod exports;
pub mod incidents;
pub mod pull;
pub mod push;
pub mod regions;
pub mod reports;
pub mod reviews;
pub mod sign_in;
pub mod site_incidents;
pub mod sites;

#[cfg(test)]
pub(crate) mod testing;
