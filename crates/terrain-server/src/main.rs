//! `terrain-server`: the sync server's binary; everything is in the library's `cli` module.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    terrain_server::cli::main().await
}
