//! The HTTP handlers, by resource: each takes what the request carries (extractors), calls
//! one [`crate::policy`] function and answers its result; errors are [`crate::AppError`]
//! causes. The route table that serves them is [`crate::routes`].

pub mod audit;
pub mod blobs;
pub mod bundles;
pub mod console;
pub mod exports;
pub mod health;
pub mod incidents;
pub mod json;
pub mod pull;
pub mod push;
pub mod reports;
pub mod reviews;
pub mod server_keys;
pub mod sessions;
pub mod sites;

pub use json::JsonBody;
