//! The browser test's machinery: find Debian's chromium and chromedriver (skip when missing, fail under `CI`),
//! start chromedriver on a free loopback port, open a headless session, and small helpers to wait, run script and
//! save screenshots. Every wait is bounded.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use serde_json::{json, Value};

/// Where Debian installs the browser and its driver.
const CHROMIUM: &[&str] = &["/usr/bin/chromium", "/usr/lib/chromium/chromium"];
const CHROMEDRIVER: &[&str] = &["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"];

/// Longest wait for any condition in the page.
pub const WAIT: Duration = Duration::from_secs(15);

/// The browser and driver binaries, or `None` (after printing why) when the test should skip.
pub fn binaries() -> Option<(PathBuf, PathBuf)> {
    let find = |list: &[&str]| list.iter().map(PathBuf::from).find(|p| p.exists());
    match (find(CHROMIUM), find(CHROMEDRIVER)) {
        (Some(b), Some(d)) => Some((b, d)),
        _ => {
            let msg = "chromium and chromium-driver are not installed: `apt-get install -y chromium chromium-driver`";
            if std::env::var_os("CI").is_some() {
                panic!("{msg} (CI is set, so this fails instead of skipping)");
            }
            eprintln!("SKIP browser test: {msg}");
            None
        }
    }
}

/// A running chromedriver, killed on drop.
pub struct Driver {
    child: Child,
    /// Its WebDriver URL.
    pub url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts chromedriver on a free loopback port and waits (bounded) until it accepts connections.
pub fn start_driver(driver: &Path) -> Driver {
    let port = testkit::free_port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e}", driver.display()));
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        assert!(
            Instant::now() < deadline,
            "chromedriver did not listen on {addr} within 20 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    }
}

/// Opens a headless Chromium session (own profile folder, no background network traffic).
pub async fn open_browser(driver: &Driver, chromium: &Path, profile: &Path) -> Client {
    let args = [
        "--headless=new".to_string(),
        "--no-sandbox".into(),
        "--disable-dev-shm-usage".into(),
        "--disable-gpu".into(),
        "--window-size=1440,1000".into(),
        "--hide-scrollbars".into(),
        "--enable-precise-memory-info".into(),
        "--js-flags=--expose-gc".into(),
        "--no-first-run".into(),
        "--no-default-browser-check".into(),
        "--disable-extensions".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-domain-reliability".into(),
        "--disable-client-side-phishing-detection".into(),
        "--disable-sync".into(),
        "--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,AutofillServerCommunication"
            .into(),
        format!("--user-data-dir={}", profile.display()),
    ];
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("chrome"));
    caps.insert(
        "goog:chromeOptions".into(),
        json!({ "binary": chromium.display().to_string(), "args": args }),
    );
    caps.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let mut builder = ClientBuilder::new(connector);
    builder.capabilities(caps);
    match tokio::time::timeout(Duration::from_secs(60), builder.connect(&driver.url)).await {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => panic!("open a Chromium session through {}: {e}", driver.url),
        Err(_) => panic!("Chromium did not start within 60 s (through {})", driver.url),
    }
}

/// Runs `script` (a function body; `arguments` available) and returns its value.
pub async fn js(c: &Client, script: &str, args: Vec<Value>) -> Value {
    c.execute(script, args)
        .await
        .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
}

/// Waits until `script` returns something truthy; panics with `what` after [`WAIT`].
pub async fn wait_for(c: &Client, what: &str, script: &str) -> Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let v = c.execute(script, vec![]).await.unwrap_or(Value::Null);
        let truthy = !matches!(&v, Value::Null | Value::Bool(false)) && v != json!(0) && v != json!("");
        if truthy {
            return v;
        }
        if Instant::now() > deadline {
            let text = c
                .execute(
                    "return document.body ? document.body.innerText.slice(0, 2000) : ''",
                    vec![],
                )
                .await
                .unwrap_or(Value::Null);
            panic!("waited {WAIT:?} for {what}; the page shows:\n{text}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Runs `script` (which clicks something that routes) and waits until the page rendered again.
pub async fn click_and_wait(c: &Client, script: &str) {
    let before = js(
        c,
        "return document.getElementById('main').getAttribute('data-ready')",
        vec![],
    )
    .await;
    js(c, script, vec![]).await;
    let wait = format!(
        "const r = document.getElementById('main').getAttribute('data-ready'); return r !== null && r !== {before};"
    );
    wait_for(c, "the page to render after a click", &wait).await;
}

/// Navigates inside the single page (history + popstate), keeping the page's JS state (XSS tripwires) alive,
/// and waits until the page says it rendered.
pub async fn goto_in_app(c: &Client, path: &str) {
    let before = js(
        c,
        "return document.getElementById('main').getAttribute('data-ready')",
        vec![],
    )
    .await;
    js(
        c,
        "history.pushState(null, '', arguments[0]); window.dispatchEvent(new PopStateEvent('popstate'));",
        vec![json!(path)],
    )
    .await;
    let script = format!(
        "const r = document.getElementById('main').getAttribute('data-ready'); return r !== null && r !== {} && location.pathname + location.search === {};",
        before,
        json!(path)
    );
    wait_for(c, &format!("page {path} to render"), &script).await;
}

/// The folder screenshots go to: `target/screenshots/` of the workspace (or of `CARGO_TARGET_DIR`).
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    dir
}

/// Saves a PNG of the current page as `target/screenshots/<name>.png` and prints its path.
pub async fn screenshot(c: &Client, name: &str) -> PathBuf {
    let height = js(c, "return document.documentElement.scrollHeight", vec![]).await;
    let height = height.as_u64().unwrap_or(1000).clamp(600, 4000) as u32;
    let _ = c.set_window_size(1440, height + 140).await;
    let png = c
        .screenshot()
        .await
        .unwrap_or_else(|e| panic!("screenshot {name}: {e}"));
    let _ = c.set_window_size(1440, 1000).await;
    assert!(png.starts_with(b"\x89PNG"), "screenshot {name} is not a PNG");
    let path = screenshot_dir().join(format!("{name}.png"));
    std::fs::write(&path, &png).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    let shown = path.canonicalize().unwrap_or(path.clone());
    println!("screenshot: {}", shown.display());
    shown
}
