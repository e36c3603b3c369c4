//! `terrain report new` on a real terminal (a pseudo-terminal): a user answering the prompts.

use rexpect::session::spawn_command;
use std::process::Command;

const DOWN: &str = "\x1b[B";

#[test]
fn a_report_written_at_the_prompts_is_saved_and_queued() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_terrain"));
    cmd.arg("--data")
        .arg(dir.path())
        .args(["report", "new"])
        .env("TERRAIN_AUTHOR", "Awa")
        .env("TERRAIN_PASSPHRASE", "red earth after the rain");
    let mut p = spawn_command(cmd, Some(20_000)).unwrap();
    p.exp_string("Title").unwrap();
    p.send_line("Guards killed at the Kita cement plant")
        .unwrap();
    p.exp_string("Date of the incident").unwrap();
    p.send_line("").unwrap();
    p.exp_string("Region").unwrap();
    p.send_line("Kaye").unwrap();
    p.exp_string("not a region of Mali; try: Kayes").unwrap();
    // The bad answer stays in the field: clear it before typing again.
    p.send("\x15").unwrap();
    p.send_line("kayes").unwrap();
    p.exp_string("Cercle").unwrap();
    p.send_line("kita").unwrap();
    p.exp_string("Commune").unwrap();
    p.send_line("").unwrap();
    p.exp_string("Place as people name it").unwrap();
    p.send_line("Cement plant, Kita road").unwrap();
    p.exp_string("Event type").unwrap();
    p.send(DOWN).unwrap();
    p.send(DOWN).unwrap();
    p.send_line("").unwrap(); // Violence against civilians
    p.exp_string("Sub-event type").unwrap();
    p.send(DOWN).unwrap();
    p.send_line("").unwrap(); // Attack
    p.exp_string("Source 1").unwrap();
    p.send_line("Plant manager").unwrap();
    p.exp_string("Kind of source").unwrap();
    p.send(&DOWN.repeat(3)).unwrap();
    p.send_line("").unwrap(); // witness
    p.exp_string("Source 2").unwrap();
    p.send_line("").unwrap();
    p.exp_string("Add a figure").unwrap();
    p.send(DOWN).unwrap();
    p.send_line("").unwrap(); // Killed
    p.exp_string("how many").unwrap();
    p.send_line("2-3").unwrap();
    p.exp_string("According to").unwrap();
    p.send_line("").unwrap();
    p.exp_string("Add a figure").unwrap();
    p.send_line("").unwrap(); // done
    p.exp_string("Narrative").unwrap();
    p.send_line("Two or three guards were shot at the gate.")
        .unwrap();
    p.exp_string("Mark final").unwrap();
    p.send_line("y").unwrap();
    p.exp_string("Saved report").unwrap();
    p.exp_string("final, queued for sync").unwrap();
    p.exp_eof().unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_terrain"))
        .arg("--data")
        .arg(dir.path())
        .args(["report", "list", "--json"])
        .env("TERRAIN_PASSPHRASE", "red earth after the rain")
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let r = &list["reports"][0];
    assert_eq!(r["title"], "Guards killed at the Kita cement plant");
    assert_eq!(
        (r["admin1"].as_str(), r["admin2"].as_str()),
        (Some("Kayes"), Some("Kita"))
    );
    assert_eq!(r["sub_event_type"], "Attack");
    assert_eq!(r["figures"]["killed"]["text"], "2\u{2013}3");
    assert_eq!(r["queued"], 1);
}
