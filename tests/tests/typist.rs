//! The form and the screens as a typist meets them (issue 17, items 5, 8, 9 and 10): the real
//! window under Xvfb, driven through WebDriver, on a store filled through terrain-app.
//!
//! Outside CI the suite says SKIPPED when the machine lacks Xvfb, tauri-driver,
//! WebKitWebDriver or the built app; under `CI=true` that is a failure.

use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;
use terrain_protocol::Role;
use terrain_tests::desktop::{Driver, Ui, launch, skipped};
use terrain_tests::harness::{Engine, PASSWORD, Server};

const PASSPHRASE: &str = "red earth after the rain";
const SEED: &str = include_str!("../../docs/examples/bafoulabe-plants-attack.json");
const TAB: &str = "\u{e004}";

/// The window on a data folder; `prepare` fills the store first (through terrain-app, with the
/// same passphrase), so the test starts on a known list.
struct Window {
    ui: Ui,
    _driver: Driver,
    _work: tempfile::TempDir,
}

async fn open(prepare: impl FnOnce(&terrain_app::App, &Path)) -> Window {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let session = terrain_app::Session::new(&data);
    prepare(&session.unlock(PASSPHRASE).unwrap(), work.path());
    session.lock();
    let (driver, ui) = launch(&data, &work.path().join("driver.log")).await;
    ui.wait_text("h1", "Terrain is locked").await;
    ui.unlock(PASSPHRASE).await;
    Window {
        ui,
        _driver: driver,
        _work: work,
    }
}

/// The seed incident, under a new id and `title`, as `status`.
fn seed(app: &terrain_app::App, title: &str, status: &str, attachments: Value) {
    let mut report: Value = serde_json::from_str(SEED).unwrap();
    report["id"] = json!(terrain_domain::new_id());
    report["title"] = json!(title);
    report["status"] = json!(status);
    report["attachments"] = attachments;
    app.save(&report).unwrap();
}

async fn js(ui: &Ui, script: &str) -> Value {
    ui.c.execute(script, vec![]).await.unwrap()
}

/// The id of the element that has focus ("" for none), once it has stayed put for 100 ms.
async fn focused(ui: &Ui) -> String {
    let script = "return document.activeElement ? document.activeElement.id : '';";
    let mut last = String::from("\u{0}");
    for _ in 0..20 {
        let now = js(ui, script)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string();
        if now == last {
            return now;
        }
        last = now;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    last
}

/// Where focus is once it starts with `prefix`, or after 5 s (a loaded machine is slow to
/// move it to a row just added).
async fn focus_on(ui: &Ui, prefix: &str) -> String {
    let mut now = focused(ui).await;
    for _ in 0..50 {
        if now.starts_with(prefix) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        now = focused(ui).await;
    }
    now
}

async fn press_tab(ui: &Ui) {
    ui.c.active_element()
        .await
        .unwrap()
        .send_keys(TAB)
        .await
        .unwrap();
}

async fn attr(ui: &Ui, css: &str, name: &str) -> Option<String> {
    ui.find(css).await.attr(name).await.unwrap()
}

/// Waits long enough for the form's live check (debounced 250 ms) to have answered.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(900)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn item_5_required_fields_are_marked_no_message_before_a_field_is_touched_and_mark_final_goes_to_the_first_problem_then_confirms_once()
 {
    if skipped() {
        return;
    }
    let w = open(|_, _| {}).await;
    let ui = &w.ui;
    ui.click("#nav-new").await;
    ui.find("#title").await;
    // Required fields, from the core's list: marked for the eye and for a screen reader.
    for (input, label) in [
        ("#title", "label[for=title]"),
        ("#where-admin1", "label[for=where-admin1]"),
        ("#what-event", "label[for=what-event]"),
    ] {
        assert_eq!(
            attr(ui, input, "aria-required").await.as_deref(),
            Some("true"),
            "{input}"
        );
        let class = attr(ui, label, "class").await.unwrap_or_default();
        assert!(class.contains("required"), "{label} is marked: {class}");
    }
    assert_eq!(attr(ui, "#where-place", "aria-required").await, None);
    ui.wait_text("#required-note", "Fields marked *").await;

    // A new source row: its name is required, but nothing says so before it is touched.
    ui.click("#add-source").await;
    assert_eq!(focus_on(ui, "source-name-0").await, "source-name-0");
    assert_eq!(
        attr(ui, "#source-name-0", "aria-required").await.as_deref(),
        Some("true")
    );
    settle().await;
    assert_eq!(ui.count("#err-source-0").await, 0, "no message yet");
    assert_eq!(
        ui.count("[aria-invalid=true]").await,
        0,
        "no field in red yet"
    );
    ui.shot("typist-new-source").await;
    // Left empty: now it says so.
    ui.click("#where-place").await;
    ui.wait_text("#err-source-0", "required").await;
    ui.type_into("#source-name-0", "Wamaps").await;
    ui.wait_gone("#err-source-0").await;

    // "Mark final" with problems: focus and scroll go to the first one, nothing is asked.
    ui.type_into("#title", "Convoy attacked near Kayes").await;
    ui.click("#narrative").await;
    ui.click("#mark-final").await;
    ui.wait_text("#err-admin1", "required").await;
    assert_eq!(
        focused(ui).await,
        "where-admin1",
        "the first problem has focus"
    );
    let seen = js(
        ui,
        "const r = document.getElementById('where-admin1').getBoundingClientRect();
         return r.top >= 0 && r.bottom <= window.innerHeight;",
    )
    .await;
    assert_eq!(seen, json!(true), "the first problem is scrolled into view");
    assert_eq!(ui.count("#confirm-final").await, 0);
    ui.shot("typist-first-problem").await;

    ui.select("#where-admin1", "Kayes").await;
    ui.select("#what-event", "Violence against civilians").await;
    ui.wait_gone("#err-admin1").await;
    ui.wait_gone("#err-event").await;

    // Once the report is complete: one confirmation saying what "final" means; "Not yet" keeps
    // the draft, "Yes" makes it final.
    ui.click("#mark-final").await;
    ui.wait_text("#confirm-final-text", "cannot go back to being a draft")
        .await;
    ui.wait_text("#confirm-final-text", "queued").await;
    assert_eq!(focus_on(ui, "confirm-final").await, "confirm-final");
    ui.shot("typist-confirm-final").await;
    ui.click("#confirm-cancel").await;
    ui.wait_gone("#confirm-final").await;
    assert_eq!(ui.count("#view-title").await, 0, "still in the form");
    ui.click("#mark-final").await;
    ui.click("#confirm-final").await;
    ui.wait_text("#view-title", "Convoy attacked near Kayes")
        .await;
    ui.wait_text("#view-badge", "Queued").await;
}

/// One Tab press from the current element: where it lands, whether that helps a typist filling
/// the form (a field or button of the form), and whether it jumped back up the page.
const TAB_STEP: &str = "
    const el = document.activeElement;
    const prev = window.__tabPrev || null;
    window.__tabPrev = el;
    const inForm = !!el && !!el.closest('form.report-form, .screen-head');
    const back = !!prev && prev !== el &&
        (prev.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_PRECEDING) !== 0;
    return { id: el ? (el.id || el.tagName.toLowerCase()) : '', useful: inForm, back };";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn item_8_keyboard_focus_starts_on_the_title_follows_new_rows_and_tab_stays_in_the_form() {
    if skipped() {
        return;
    }
    let w = open(|_, _| {}).await;
    let ui = &w.ui;
    ui.click("#nav-new").await;
    ui.find("#title").await;
    assert_eq!(focused(ui).await, "title", "the form opens on the title");

    // Each new row takes focus on its first field.
    ui.click("#add-source").await;
    assert_eq!(focus_on(ui, "source-name-0").await, "source-name-0");
    ui.type_into("#source-name-0", "Wamaps").await;
    ui.click("#add-perpetrator").await;
    assert_eq!(focus_on(ui, "perp-name-0").await, "perp-name-0");
    ui.select("#add-figure-kind", "abducted").await;
    ui.click("#add-figure").await;
    // WebKitWebDriver loses this click now and then (about one run in two here): no figure,
    // the pick-list keeps its choice, the button its focus. Not yet understood; click again
    // then, so what this test checks (where focus goes) is checked. See the issue note.
    for _ in 0..20 {
        if ui.count("#figure-abducted").await > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if ui.count("#figure-abducted").await == 0 {
        eprintln!("the click on #add-figure was lost; clicking again");
        ui.click("#add-figure").await;
    }
    let first = focus_on(ui, "claim-abducted-0-").await;
    assert!(
        first.starts_with("claim-abducted-0-"),
        "the new figure's first field has focus, not {first}"
    );
    // Tab goes on inside that figure, not to the narrative.
    press_tab(ui).await;
    let next = focused(ui).await;
    assert!(
        next.starts_with("claim-abducted-0-"),
        "Tab after adding a figure goes to its next field, not {next}"
    );
    ui.click("#add-claim-abducted").await;
    let claim = focus_on(ui, "claim-abducted-1-").await;
    assert!(claim.starts_with("claim-abducted-1-"), "{claim}");

    // 100 Tab presses from the title: count those that land outside the form or jump back.
    ui.find("#title").await.click().await.unwrap();
    js(
        ui,
        "window.__tabPrev = document.activeElement; return null;",
    )
    .await;
    let (mut useless, mut back, mut stops) = (0, 0, Vec::new());
    for _ in 0..100 {
        press_tab(ui).await;
        let step = js(ui, TAB_STEP).await;
        if step["useful"] != json!(true) {
            useless += 1;
        }
        if step["back"] == json!(true) {
            back += 1;
        }
        stops.push(step["id"].as_str().unwrap_or_default().to_string());
    }
    let distinct: std::collections::BTreeSet<_> = stops.iter().collect();
    eprintln!(
        "100 Tab presses in the form: {useless} outside it, {back} jumps back, {} distinct stops",
        distinct.len()
    );
    eprintln!("stops: {}", stops.join(" "));
    assert!(useless <= 10, "{useless} of 100 Tab presses left the form");
    assert!(back <= 3, "{back} of 100 Tab presses jumped back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn item_9_at_1024_by_600_the_list_badges_are_on_screen_and_nothing_scrolls_sideways() {
    if skipped() {
        return;
    }
    let w = open(|app, _| {
        for n in 1..=3 {
            seed(
                app,
                &format!("Three industrial plants attacked and burned near Bafoulabé ({n}); workers abducted by gunmen on motorbikes"),
                if n == 2 { "draft" } else { "final" },
                json!([]),
            );
        }
    })
    .await;
    let ui = &w.ui;
    for (width, height) in [(1366u32, 768u32), (1024, 600)] {
        ui.c.set_window_rect(0, 0, width, height).await.unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
        let inner = js(ui, "return [window.innerWidth, window.innerHeight];").await;
        assert_eq!(inner, json!([width, height]), "the window took the size");
        ui.click("#nav-reports").await;
        ui.wait_text("#list-count", "3").await;
        let badges = js(
            ui,
            "return [...document.querySelectorAll('#reports .badge')].map((b) => {
               const r = b.getBoundingClientRect();
               return r.left >= 0 && r.right <= window.innerWidth;
             });",
        )
        .await;
        // Each row's sync badge, and its "possible duplicate" one: the three are one attack.
        assert_eq!(
            badges,
            json!(vec![true; 6]),
            "badges on screen at {width}×{height}"
        );
        ui.shot(&format!("typist-list-{width}x{height}")).await;
        for screen in [
            "#nav-reports",
            "#nav-new",
            "#nav-sync",
            "#nav-export",
            "#nav-settings",
        ] {
            ui.click(screen).await;
            tokio::time::sleep(Duration::from_millis(400)).await;
            let sideways = js(
                ui,
                "const main = document.querySelector('main');
                 return [document.documentElement.scrollWidth - window.innerWidth,
                         main.scrollWidth - main.clientWidth];",
            )
            .await;
            assert_eq!(
                sideways,
                json!([0, 0]),
                "{screen} scrolls sideways at {width}×{height}"
            );
        }
        ui.click("#nav-reports").await;
        ui.click("#reports tbody a.open").await;
        ui.find("#view-title").await;
        let sideways = js(
            ui,
            "const main = document.querySelector('main');
             return main.scrollWidth - main.clientWidth;",
        )
        .await;
        assert_eq!(
            sideways,
            json!(0),
            "the report scrolls sideways at {width}×{height}"
        );
        // The form holding the whole seed incident: every row fits.
        ui.click("#edit").await;
        ui.find("#title").await;
        tokio::time::sleep(Duration::from_millis(400)).await;
        let wide = js(
            ui,
            "const main = document.querySelector('main');
             const edge = main.getBoundingClientRect().left + main.clientWidth;
             return [...main.querySelectorAll('*')]
               .filter((el) => el.getBoundingClientRect().right > edge + 1)
               .map((el) => el.tagName + '#' + el.id + '.' + el.className).slice(0, 8);",
        )
        .await;
        assert_eq!(
            wide,
            json!([]),
            "the form is wider than the window at {width}×{height}"
        );
    }
}

/// A photo for the thumbnail: 800×600, drawn by ImageMagick.
fn photo(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("convoy.png");
    let ok = std::process::Command::new("/usr/bin/convert")
        .args(["-size", "800x600", "gradient:#1f5130-#f3f1ec"])
        .arg(&path)
        .status()
        .expect("ImageMagick's convert runs")
        .success();
    assert!(ok, "convert made {}", path.display());
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn item_10_errors_in_plain_words_http_warned_photo_thumbnails_pdf_named_and_the_passphrase_screen()
 {
    if skipped() {
        return;
    }
    let server = Server::start(Engine::Sqlite).await.unwrap();
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    let w = open(|app, work| {
        let attachment = app.attach(&photo(work)).unwrap();
        let attachments = json!([attachment]);
        seed(
            app,
            "Attaque du convoi à Kayes : deux camions brûlés",
            "final",
            attachments,
        );
    })
    .await;
    let ui = &w.ui;

    // The photo: a thumbnail made from the sealed file, in the report and in the form.
    ui.click("#reports tbody a.open").await;
    let thumb = "img.thumbnail";
    ui.find(thumb).await;
    let image = js(
        ui,
        "const img = document.querySelector('img.thumbnail');
         return [img.src.slice(0, 22), img.complete && img.naturalWidth > 0,
                 img.naturalWidth <= 240, img.getBoundingClientRect().width <= 120];",
    )
    .await;
    assert_eq!(image, json!(["data:image/jpeg;base64", true, true, true]));
    ui.shot("typist-thumbnail").await;

    // The PDF's suggested name: the report's date and title, folded.
    ui.click("#export-pdf").await;
    let start = std::time::Instant::now();
    loop {
        let name = attr(ui, "#export-path", "placeholder")
            .await
            .unwrap_or_default();
        if name == "2026-11-18-attaque-du-convoi-a-kayes-deux-camions-brules.pdf" {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "suggested {name}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    ui.click("#nav-reports").await;
    ui.click("#reports tbody a.open").await;
    ui.click("#edit").await;
    ui.find(thumb).await;

    // Sign-in: plain http:// to another computer is refused with a reason, a wrong password
    // said plainly, http:// to this computer allowed with a warning.
    ui.click("#nav-settings").await;
    ui.type_into("#server", "http://terrain.example.org").await;
    ui.wait_text("#server-warning", "Not encrypted").await;
    ui.type_into("#user", "awa").await;
    ui.type_into("#password", PASSWORD).await;
    ui.click("#sign-in").await;
    ui.wait_text("#sign-in-error", "use https://").await;
    ui.type_into("#server", &server.url).await;
    ui.type_into("#password", "not the password").await;
    ui.click("#sign-in").await;
    ui.wait_text("#sign-in-error", "check the user name and the password")
        .await;
    ui.type_into("#password", PASSWORD).await;
    ui.click("#sign-in").await;
    ui.wait_text("#signed-in", "as awa").await;
    ui.wait_text("#plain-warning", "Not encrypted").await;
    ui.click("#nav-sync").await;
    ui.wait_text("#sync-phase", "Up to date").await;

    // The server goes away with nothing queued: plain words, not an alarm.
    server.stop().await;
    ui.click("#sync-now").await;
    ui.wait_text("#sync-error-text", "The server cannot be reached")
        .await;
    let plain = ui.text("#sync-error-text").await;
    for raw in ["os error", "tcp connect", "error sending request"] {
        assert!(!plain.contains(raw), "{raw} shown: {plain}");
    }
    // The raw detail stays folded away, for whoever helps with the link.
    let folded = js(
        ui,
        "return !document.querySelector('#sync-error details').open;",
    )
    .await;
    assert_eq!(folded, json!(true));
    assert_eq!(
        attr(ui, "#sync-error", "class").await.as_deref(),
        Some("banner info"),
        "nothing waits: no red box"
    );
    ui.wait_text("#sync-error", "Nothing is waiting to be sent")
        .await;
    ui.shot("typist-sync-offline").await;

    // The passphrase screen, in French: its error in French, the passphrase kept to fix, and
    // shown on demand.
    ui.click("#nav-settings").await;
    ui.select("#language", "fr").await;
    ui.click("#lock").await;
    ui.wait_text("h1", "verrouillé").await;
    ui.type_into("#passphrase", "red earth after rain").await;
    ui.click("#unlock").await;
    ui.wait_text("#lock-error", "La phrase secrète est fausse")
        .await;
    assert_eq!(ui.value("#passphrase").await, "red earth after rain");
    assert_eq!(focused(ui).await, "passphrase");
    assert_eq!(
        attr(ui, "#passphrase", "type").await.as_deref(),
        Some("password")
    );
    ui.click("#passphrase-show").await;
    assert_eq!(
        attr(ui, "#passphrase", "type").await.as_deref(),
        Some("text")
    );
    ui.wait_text("#passphrase-show", "Masquer").await;
    ui.shot("typist-lock-wrong-fr").await;
    ui.type_into("#passphrase", PASSPHRASE).await;
    ui.click("#unlock").await;
    ui.wait_text("#nav-reports", "Rapports").await;
}

/// The README's screenshot set: French and English, 1366×768 and 1024×600, of the list, the
/// form holding the seed incident, the report, sync and export, written to docs/screenshots/.
/// Run by hand: `cargo nextest run -p terrain-tests --test typist screenshot_set --run-ignored all`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "writes docs/screenshots/"]
async fn screenshot_set() {
    if skipped() {
        return;
    }
    let w = open(|app, work| {
        let attachment = app.attach(&photo(work)).unwrap();
        seed(
            app,
            "Three industrial plants attacked and burned near Bafoulabé; workers abducted",
            "final",
            json!([attachment]),
        );
        seed(
            app,
            "Fuel convoy stopped and burned on the Kayes road",
            "draft",
            json!([]),
        );
    })
    .await;
    let ui = &w.ui;
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots");
    std::fs::create_dir_all(&out).unwrap();
    let shoot = |name: String, width: u32, height: u32| {
        let raw = w._work.path().join("raw.png");
        ui.x.screenshot(&raw);
        let ok = std::process::Command::new("/usr/bin/convert")
            .arg(&raw)
            .args(["-crop", &format!("{width}x{height}+0+0"), "+repage"])
            .args(["-colors", "256"])
            .arg(format!(
                "PNG8:{}",
                out.join(format!("{name}.png")).display()
            ))
            .status()
            .unwrap()
            .success();
        assert!(ok, "{name}");
    };
    let open_first = async || {
        ui.click("#nav-reports").await;
        ui.click("#reports tbody tr:last-child a.open").await;
        ui.find("#view-title").await;
    };
    for lang in ["fr", "en"] {
        ui.click("#nav-settings").await;
        ui.select("#language", lang).await;
        for (width, height) in [(1366u32, 768u32), (1024, 600)] {
            ui.c.set_window_rect(0, 0, width, height).await.unwrap();
            let size = format!("{lang}-{width}x{height}");
            let settle = || tokio::time::sleep(Duration::from_millis(1600));
            ui.click("#nav-reports").await;
            ui.find("#reports tbody .badge").await;
            settle().await;
            shoot(format!("list-{size}"), width, height);
            open_first().await;
            settle().await;
            shoot(format!("report-{size}"), width, height);
            ui.click("#edit").await;
            ui.find("#title").await;
            settle().await;
            shoot(format!("form-{size}"), width, height);
            ui.click("#nav-sync").await;
            settle().await;
            shoot(format!("sync-{size}"), width, height);
            open_first().await;
            ui.click("#export-pdf").await;
            settle().await;
            shoot(format!("export-{size}"), width, height);
        }
    }
}
