//! Keeps a report form as typed (an invalid coordinate and a growing narrative) in a loop and
//! prints `kept <id> <n>` after each keep returned, until killed. The durability suite kills it
//! with SIGKILL at random moments.

use serde_json::json;
use std::io::Write;

fn main() {
    let dir = std::env::args().nth(1).expect("usage: keep-loop DIR");
    let app = terrain_app::App::open(std::path::Path::new(&dir)).expect("app opens");
    let mut out = std::io::stdout().lock();
    let mut form = app.new_form();
    let id = form.report["id"].as_str().unwrap().to_string();
    form.typed
        .insert("where.coordinates.longitude".into(), "9°03'Q".into());
    form.typed
        .insert("where.coordinates.latitude".into(), "14°31'12\"N".into());
    for n in 0.. {
        form.report["narrative"] = json!(format!("keystroke {n}"));
        app.keep(&form).expect("keep");
        // Only after the keep returned: from here on this text must survive anything.
        writeln!(out, "kept {id} {n}")
            .and_then(|_| out.flush())
            .expect("stdout");
    }
}
