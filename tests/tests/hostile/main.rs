//! The server attacked as a malicious signed-in user or an outsider would, on both engines:
//! each module reproduces one way in and shows it refused, bounded or audited.
//! (Issue "The server holds against hostile clients".)

mod accountability;
mod attachments;
mod edge;
mod renewal;
mod sizes;
