//! The console (issue 14): the web pages the server itself serves to coordinators and
//! administrators, and the browser sessions they sign in with. The data they read are the /v1
//! endpoints of the route table, like any client's.

pub mod assets;
pub mod session;

pub use session::{CONSOLE_DEVICE, Settings};
