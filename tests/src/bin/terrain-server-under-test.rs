//! The `terrain-server` program, built in this package so suites can run it as a process.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    terrain_server::cli::main(terrain_server_engines::open_store).await
}
