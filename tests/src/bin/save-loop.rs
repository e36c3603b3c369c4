//! Saves final reports in a loop and prints `saved <id>` after each commit, until killed.
//! The durability suite kills it with SIGKILL at random moments.

use std::io::Write;

fn main() {
    let dir = std::env::args().nth(1).expect("usage: save-loop DIR");
    let store = terrain_store::Store::open(std::path::Path::new(&dir)).expect("store opens");
    let mut out = std::io::stdout().lock();
    loop {
        let report = terrain_tests::seed_with_new_id();
        let id = report.id;
        store.save(report, "durability").expect("save");
        // Only after the commit returned: from here on the report must survive anything.
        writeln!(out, "saved {id}")
            .and_then(|_| out.flush())
            .expect("stdout");
    }
}
