//! `terrain-server`: the sync server's binary. It chooses the storage engines it is built
//! with; everything else is in the library's `cli` module.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    terrain_server::cli::main(terrain_server_engines::open_store).await
}
