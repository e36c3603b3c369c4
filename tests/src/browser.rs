//! A real browser against a real server, for the console's suites (issue 14): Debian's
//! Chromium, headless, driven through chromedriver (W3C WebDriver, fantoccini), and the
//! `terrain-server` binary as `cargo build` left it, on a SQLite file or in a fresh PostgreSQL
//! schema. `scripts/setup test` installs `chromium` and `chromium-driver`.
//!
//! ```ignore
//! let Some(server) = ConsoleServer::start(Engine::Sqlite, &[]).await else { return };
//! server.add_user("fanta", "admin", None);
//! let browser = Browser::start().await;
//! browser.goto(&server.url()).await;
//! ```

use crate::harness::{Engine, PASSWORD, ServerProcess, built_binary, free_port, pg_url};
use fantoccini::{Client, Locator};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a step waits for the page before failing.
pub const WAIT: Duration = Duration::from_secs(20);

/// `tool` on the PATH.
pub fn on_path(tool: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
}

/// True (with a note) when this machine lacks what a browser suite needs: the built server
/// binary, `chromium`, `chromedriver`. In CI a lack fails instead.
pub fn browser_missing() -> bool {
    let mut missing = Vec::new();
    if !built_binary("terrain-server").is_file() {
        missing.push("target/debug/terrain-server (cargo build -p terrain-server)".to_string());
    }
    for tool in ["chromium", "chromedriver"] {
        if on_path(tool).is_none() {
            missing.push(tool.to_string());
        }
    }
    if missing.is_empty() {
        return false;
    }
    let what = missing.join(", ");
    assert!(
        std::env::var_os("CI").is_none(),
        "the browser suite needs: {what}"
    );
    eprintln!("SKIPPED: the browser suite needs {what}");
    true
}

/// The `terrain-server` binary serving a fresh database on a free loopback port, with its keys
/// in a folder of its own. Killed when dropped; [`ConsoleServer::stop`] also drops a PostgreSQL
/// schema.
pub struct ConsoleServer {
    pub process: ServerProcess,
    /// `--db` as given to the binary.
    pub db: String,
    pub engine: Engine,
    /// The PostgreSQL schema (`--pg-schema`), dropped by [`ConsoleServer::stop`].
    pub schema: Option<String>,
    pub dir: tempfile::TempDir,
}

impl ConsoleServer {
    /// Starts the binary on `engine` with `extra` arguments to `serve`, users added first with
    /// [`ConsoleServer::add_user`] through `users` (name, role, region). None (with a note) when
    /// PostgreSQL is unreachable outside CI.
    pub async fn start(
        engine: Engine,
        users: &[(&str, &str, Option<&str>)],
        extra: &[&str],
    ) -> Option<ConsoleServer> {
        let dir = tempfile::tempdir().unwrap();
        let (db, schema) = match engine {
            Engine::Sqlite => (
                format!("sqlite:{}", dir.path().join("server.db").display()),
                None,
            ),
            Engine::Postgres => {
                let url = pg_url();
                if let Err(e) = tokio_postgres_reachable(&url).await {
                    assert!(
                        std::env::var_os("CI").is_none(),
                        "PostgreSQL is required in CI: {e}"
                    );
                    eprintln!("SKIPPED: PostgreSQL not reachable at {url} ({e})");
                    return None;
                }
                (
                    url,
                    Some(format!("browser_{}", uuid::Uuid::now_v7().simple())),
                )
            }
        };
        let setup = Setup { db, schema, dir };
        for (name, role, region) in users {
            setup.add_user(name, role, *region);
        }
        let mut args = setup.common_args();
        args.extend(extra.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let process = ServerProcess::start(
            built_binary("terrain-server").to_str().unwrap(),
            &setup.db,
            free_port(),
            &args,
        )
        .await;
        let server = ConsoleServer {
            process,
            db: setup.db,
            engine,
            schema: setup.schema,
            dir: setup.dir,
        };
        Some(server)
    }

    /// The binary's `user add NAME --role ROLE [--region REGION]`, password [`PASSWORD`].
    pub fn add_user(&self, name: &str, role: &str, region: Option<&str>) {
        add_user(
            &self.db,
            self.schema.as_deref(),
            self.dir.path(),
            (name, role, region),
        );
    }

    pub fn url(&self) -> String {
        self.process.url()
    }

    /// Stops the server and drops its PostgreSQL schema.
    pub async fn stop(self) {
        drop(self.process);
        if let Some(schema) = &self.schema {
            let _ = terrain_server_postgres::drop_schema(&self.db, schema).await;
        }
    }
}

/// A server's database and keys before its process starts.
struct Setup {
    db: String,
    schema: Option<String>,
    dir: tempfile::TempDir,
}

impl Setup {
    /// `--contact-key`, `--server-keys` and `--pg-schema` as every command of this server takes
    /// them (after the subcommand).
    fn common_args(&self) -> Vec<String> {
        args_for(self.dir.path(), self.schema.as_deref())
    }

    fn add_user(&self, name: &str, role: &str, region: Option<&str>) {
        add_user(
            &self.db,
            self.schema.as_deref(),
            self.dir.path(),
            (name, role, region),
        );
    }
}

/// The binary's `user add NAME --role ROLE [--region REGION]` on `db`, keys in `keys`.
fn add_user(
    db: &str,
    schema: Option<&str>,
    keys: &std::path::Path,
    (name, role, region): (&str, &str, Option<&str>),
) {
    use std::io::Write;
    let mut cmd = Command::new(built_binary("terrain-server"));
    cmd.args(["--db", db]).args(args_for(keys, schema));
    cmd.args(["user", "add", name, "--role", role]);
    if let Some(region) = region {
        cmd.args(["--region", region]);
    }
    let mut add = cmd
        .arg("--password-stdin")
        .env("TERRAIN_SERVER_KEYS", keys.join("server.keys"))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    writeln!(add.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    assert!(add.wait().unwrap().success(), "user add {name}");
}

/// `--contact-key` (in `keys`) and `--pg-schema`, as every command of one server takes them.
fn args_for(keys: &std::path::Path, schema: Option<&str>) -> Vec<String> {
    let mut args = vec![
        "--contact-key".to_string(),
        keys.join("contact.key").display().to_string(),
    ];
    if let Some(schema) = schema {
        args.extend(["--pg-schema".to_string(), schema.to_string()]);
    }
    args
}

async fn tokio_postgres_reachable(url: &str) -> Result<(), String> {
    let host = url
        .split('@')
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or("127.0.0.1:5432")
        .to_string();
    tokio::net::TcpStream::connect(&host)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// chromedriver on a free port and a headless Chromium session; downloads land in
/// [`Browser::downloads`].
pub struct Browser {
    driver: Child,
    pub c: Client,
    pub downloads: tempfile::TempDir,
    /// Where [`Browser::shot`] writes `console-NAME.png`; None: no screenshots this run.
    pub shots: Option<PathBuf>,
}

impl Browser {
    /// A browser in English.
    pub async fn start() -> Browser {
        Browser::start_in("en-GB").await
    }

    /// A browser whose language is `lang` (`fr-FR`...).
    pub async fn start_in(lang: &str) -> Browser {
        let port = free_port();
        let driver = Command::new(on_path("chromedriver").expect("chromedriver"))
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let downloads = tempfile::tempdir().unwrap();
        let Value::Object(caps) = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": on_path("chromium").expect("chromium"),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1366,900", format!("--lang={lang}")],
                "prefs": {
                    "download.default_directory": downloads.path(),
                    "download.prompt_for_download": false,
                    "intl.accept_languages": lang,
                },
            },
        }) else {
            unreachable!()
        };
        let start = Instant::now();
        let c = loop {
            match fantoccini::ClientBuilder::rustls()
                .expect("TLS roots")
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(c) => break c,
                Err(_) if start.elapsed() < WAIT => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("chromedriver did not start a session: {e}"),
            }
        };
        Browser {
            driver,
            c,
            downloads,
            shots: None,
        }
    }

    /// Screenshots of this run go into `dir` (None: none taken).
    pub fn with_shots(self, dir: Option<PathBuf>) -> Browser {
        Browser { shots: dir, ..self }
    }

    pub async fn goto(&self, url: &str) {
        self.c.goto(url).await.unwrap();
    }

    /// The element `css` matches, once there (panics after [`WAIT`]).
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
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
        el.send_keys(text).await.unwrap();
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap()
    }

    pub async fn count(&self, css: &str) -> usize {
        self.c.find_all(Locator::Css(css)).await.unwrap().len()
    }

    /// Waits until `css` shows `wanted`.
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

    /// Picks `value` in the pick-list `css`.
    pub async fn select(&self, css: &str, value: &str) {
        self.click(&format!("{css} option[value=\"{value}\"]"))
            .await;
    }

    /// Waits until exactly `n` elements match `css`.
    pub async fn wait_count(&self, css: &str, n: usize) {
        let start = Instant::now();
        loop {
            let now = self.count(css).await;
            if now == n {
                return;
            }
            assert!(start.elapsed() < WAIT, "{css}: waited for {n}, found {now}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A screenshot of the page from its top, when this run takes them.
    pub async fn shot(&self, name: &str) {
        self.shot_at(name, "main").await;
    }

    /// A screenshot with `css` scrolled to the top of the window.
    pub async fn shot_at(&self, name: &str, css: &str) {
        let Some(dir) = &self.shots else {
            return;
        };
        self.c
            .execute(
                "const m = document.querySelector('main'); if (m) m.scrollTop = 0;
                 const e = document.querySelector(arguments[0]);
                 if (e && e.tagName !== 'MAIN') e.scrollIntoView({ block: 'start' });",
                vec![json!(css)],
            )
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let png = self.c.screenshot().await.unwrap();
        std::fs::write(dir.join(format!("console-{name}.png")), png).unwrap();
    }

    /// The file the browser saved in the download folder whose name ends with `suffix`, once
    /// it is whole.
    pub async fn downloaded(&self, suffix: &str) -> Vec<u8> {
        let start = Instant::now();
        loop {
            let found = std::fs::read_dir(self.downloads.path())
                .unwrap()
                .filter_map(Result::ok)
                .map(|e| e.path())
                .find(|p| p.file_name().unwrap().to_string_lossy().ends_with(suffix));
            if let Some(path) = found {
                return std::fs::read(path).unwrap();
            }
            assert!(
                start.elapsed() < WAIT,
                "no *{suffix} in the download folder"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Runs `script` in the page (WebDriver's execute: a function body; `arguments[i]`).
    pub async fn run(&self, script: &str, args: Vec<Value>) -> Value {
        self.c.execute(script, args).await.unwrap()
    }

    /// Runs `script`, whose last argument is a callback to call with the result
    /// (`arguments[arguments.length - 1]`), and waits for it.
    pub async fn run_async(&self, script: &str, args: Vec<Value>) -> Value {
        self.c.execute_async(script, args).await.unwrap()
    }

    /// Signs in through the console's page ([`PASSWORD`]).
    pub async fn sign_in(&self, url: &str, user: &str) {
        self.goto(&format!("{url}/")).await;
        self.type_into("#user", user).await;
        self.type_into("#password", PASSWORD).await;
        self.click("#signin-submit").await;
        self.wait_text("#who-user", user).await;
    }

    /// Signs out through the console's menu.
    pub async fn sign_out(&self) {
        self.click("#sign-out").await;
        self.find("#signin-submit").await;
    }

    /// Ends the session (chromedriver ends its browser on SIGTERM, never SIGKILL).
    pub async fn stop(self) {
        let _ = self.c.close().await;
        let mut driver = self.driver;
        unsafe { libc::kill(driver.id() as i32, libc::SIGTERM) };
        let _ = driver.wait();
    }
}
