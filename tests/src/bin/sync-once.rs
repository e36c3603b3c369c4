//! Runs one sync pass of the device store in DIR (signed in already), printing events.
//! The fault suite kills it with SIGKILL at random moments.

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let dir = std::env::args().nth(1).expect("usage: sync-once DIR");
    let store =
        std::sync::Arc::new(terrain_store::Store::open(std::path::Path::new(&dir)).expect("store"));
    let client = terrain_sync::client_for(&store).expect("signed in");
    match terrain_sync::sync_once(&store, &client, "tester", &mut |e| println!("{e:?}")).await {
        Ok(s) => println!("done {s:?}"),
        Err(e) => {
            eprintln!("sync failed: {e}");
            std::process::exit(1);
        }
    }
}
