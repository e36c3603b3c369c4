//! Writes bundles of the device store in DIR (signed in already) into OUT, again and again
//! (each with every report waiting), until killed. The bundle suite kills it with SIGKILL at
//! random moments and checks that every file named like a bundle imports whole.

fn main() {
    let mut args = std::env::args().skip(1);
    let (dir, out) = (args.next().expect("DIR"), args.next().expect("OUT"));
    let store = terrain_store::Store::open(std::path::Path::new(&dir)).expect("store");
    loop {
        let w = terrain_sync::write_bundle(&store, std::path::Path::new(&out), true, 64 * 1024)
            .expect("bundle written");
        println!("wrote {} files", w.files.len());
    }
}
