//! The real desktop app under Xvfb, driven through WebDriver: tauri-driver starts the built
//! `terrain-desktop` binary inside WebKitWebDriver, and the suite talks to it with fantoccini.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use serde_json::json;

/// How long a step may take before the suite calls it failed. Generous: with the field-link and
/// CLI suites running beside it on two cores, a sync pass with a photo once outlasted 20 s
/// (the window itself was slow to answer WebDriver). A pass that hangs still fails.
pub const WAIT: Duration = Duration::from_secs(45);

/// The built desktop binary (`cargo build -p terrain-desktop`).
pub fn app_binary() -> PathBuf {
    crate::harness::built_binary("terrain-desktop")
}

fn on_path(tool: &str) -> Option<PathBuf> {
    let home_bin = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo/bin"));
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain(home_bin)
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
}

/// What the suite needs that the machine may lack; None when everything is there.
pub fn missing() -> Option<String> {
    let mut missing = Vec::new();
    if !app_binary().is_file() {
        missing.push(format!(
            "{} (cargo build -p terrain-desktop)",
            app_binary().display()
        ));
    }
    for tool in [
        "Xvfb",
        "tauri-driver",
        "WebKitWebDriver",
        "import",
        "pdftotext",
    ] {
        if on_path(tool).is_none() {
            missing.push(tool.to_string());
        }
    }
    (!missing.is_empty()).then(|| missing.join(", "))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < timeout,
            "{what} did not come up in {timeout:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Ends a child politely (SIGTERM: a killed tauri-driver leaves WebKitWebDriver holding its
/// port), then reaps it.
fn terminate(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// An X server of our own, on the first free display number from 90.
pub struct Xvfb {
    child: Child,
    pub display: String,
}

impl Xvfb {
    pub fn start() -> Xvfb {
        let n = (90..200)
            .find(|n| {
                !Path::new(&format!("/tmp/.X{n}-lock")).exists()
                    && !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
            })
            .expect("a free X display number");
        let display = format!(":{n}");
        let child = Command::new(on_path("Xvfb").unwrap())
            .args([&display, "-screen", "0", "1366x768x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb starts");
        let socket = format!("/tmp/.X11-unix/X{n}");
        wait_for("Xvfb", Duration::from_secs(10), || {
            Path::new(&socket).exists()
        });
        Xvfb { child, display }
    }

    /// A picture of the whole screen (the WebDriver one can show a stale frame).
    pub fn screenshot(&self, path: &Path) {
        let ok = Command::new("import")
            .args(["-display", &self.display, "-window", "root"])
            .arg(path)
            .status()
            .expect("import runs")
            .success();
        assert!(ok, "screenshot {}", path.display());
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        terminate(&mut self.child);
    }
}

/// tauri-driver on free ports, with the app's data folder and display in its environment.
pub struct Driver {
    child: Child,
    pub url: String,
}

impl Driver {
    pub fn start(display: &str, data: &Path, log: &Path) -> Driver {
        let (port, native) = (free_port(), free_port());
        let log = std::fs::File::create(log).unwrap();
        let child = Command::new(on_path("tauri-driver").unwrap())
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
            ])
            .env("DISPLAY", display)
            .env("TERRAIN_DATA", data)
            // The web view's own storage (the language chosen) stays inside the test too.
            .env("XDG_DATA_HOME", data.join("xdg-data"))
            .env("XDG_CONFIG_HOME", data.join("xdg-config"))
            .env("XDG_CACHE_HOME", data.join("xdg-cache"))
            .env("LANG", "en_US.UTF-8")
            .env("USER", "awa")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("tauri-driver starts");
        wait_for("tauri-driver", Duration::from_secs(20), || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Driver {
    /// A WebDriver session on the app `binary`: the window opens.
    pub async fn open(&self, binary: &Path) -> fantoccini::Client {
        let serde_json::Value::Object(caps) = serde_json::json!({
            "browserName": "wry",
            "tauri:options": { "application": binary },
        }) else {
            unreachable!("a JSON object")
        };
        // tauri-driver listens before WebKitWebDriver behind it does: try for a few seconds.
        let mut tries = 0;
        loop {
            let client = fantoccini::ClientBuilder::rustls()
                .expect("TLS roots for the client")
                .capabilities(caps.clone())
                .connect(&self.url)
                .await;
            match client {
                Ok(c) => return c,
                Err(e) if tries < 40 => {
                    tries += 1;
                    eprintln!("waiting for the app window: {e}");
                    std::thread::sleep(Duration::from_millis(250));
                }
                Err(e) => panic!("the app window did not open under tauri-driver: {e}"),
            }
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        terminate(&mut self.child);
    }
}

/// The window, the screen it is on, and where its screenshots go.
pub struct Ui {
    pub c: Client,
    pub x: Xvfb,
    pub shots: PathBuf,
}

impl Ui {
    pub async fn find(&self, css: &str) -> Element {
        self.c
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
    }

    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap();
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        el.clear().await.unwrap();
        if !text.is_empty() {
            el.send_keys(text).await.unwrap();
        } else {
            // Clearing fires no input event in WebKit: tell the page as typing would.
            self.c
                .execute(
                    "arguments[0].dispatchEvent(new Event('input', { bubbles: true }));",
                    vec![serde_json::to_value(&el).unwrap()],
                )
                .await
                .unwrap();
        }
    }

    /// Date inputs have no keyboard entry WebKitWebDriver can type into: set and announce.
    pub async fn set(&self, css: &str, value: &str) {
        let el = self.find(css).await;
        self.c
            .execute(
                "arguments[0].value = arguments[1];
                 arguments[0].dispatchEvent(new Event('input', { bubbles: true }));
                 arguments[0].dispatchEvent(new Event('change', { bubbles: true }));",
                vec![serde_json::to_value(&el).unwrap(), json!(value)],
            )
            .await
            .unwrap();
    }

    pub async fn select(&self, css: &str, value: &str) {
        self.click(&format!("{css} option[value=\"{value}\"]"))
            .await;
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap()
    }

    pub async fn value(&self, css: &str) -> String {
        self.find(css)
            .await
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default()
    }

    pub async fn wait_text(&self, css: &str, wanted: &str) {
        let start = Instant::now();
        loop {
            if let Ok(el) = self.c.find(Locator::Css(css)).await
                && let Ok(text) = el.text().await
                && text.contains(wanted)
            {
                return;
            }
            if start.elapsed() > WAIT {
                let now = match self.c.find(Locator::Css(css)).await {
                    Ok(el) => el.text().await.unwrap_or_default(),
                    Err(_) => "(absent)".into(),
                };
                panic!("{css}: waited for \"{wanted}\", shows \"{now}\"");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn wait_gone(&self, css: &str) {
        let start = Instant::now();
        while self.c.find(Locator::Css(css)).await.is_ok() {
            assert!(start.elapsed() < WAIT, "{css} is still shown");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn count(&self, css: &str) -> usize {
        self.c.find_all(Locator::Css(css)).await.unwrap().len()
    }

    /// A screenshot of the whole screen once the UI has settled.
    pub async fn shot(&self, name: &str) {
        tokio::time::sleep(Duration::from_millis(400)).await;
        self.x.screenshot(&self.shots.join(format!("{name}.png")));
    }

    /// Unlocks with `passphrase` and shows the list.
    pub async fn unlock(&self, passphrase: &str) {
        self.type_into("#passphrase", passphrase).await;
        self.click("#unlock").await;
        self.click("#nav-reports").await;
    }

    /// Tries `passphrase` on the lock screen and sees it refused.
    pub async fn refused(&self, passphrase: &str) {
        self.type_into("#passphrase", passphrase).await;
        self.click("#unlock").await;
        self.wait_text("#lock-error", "passphrase is wrong").await;
    }

    pub async fn search(&self, text: &str, count: &str) {
        self.type_into("#search", text).await;
        self.wait_text("#list-count", count).await;
    }
}

pub fn screenshots_dir() -> PathBuf {
    let dir = app_binary().parent().unwrap().join("../screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir.canonicalize().unwrap()
}

/// True when this machine lacks what the desktop suites need: the test says so and returns.
/// Under CI a missing part is a failure, never a silent skip.
pub fn skipped() -> bool {
    let Some(what) = missing() else {
        return false;
    };
    assert!(
        std::env::var_os("CI").is_none(),
        "the desktop suite needs: {what}"
    );
    eprintln!("SKIPPED: the desktop suite needs {what}");
    true
}

/// The app's window on a screen of its own, its data in `data`, the driver's log in `log`.
/// Keep the driver alive as long as the window: dropping it ends the app.
pub async fn launch(data: &Path, log: &Path) -> (Driver, Ui) {
    let x = Xvfb::start();
    let driver = Driver::start(&x.display, data, log);
    let c = driver.open(&app_binary()).await;
    let ui = Ui {
        c,
        x,
        shots: screenshots_dir(),
    };
    (driver, ui)
}
