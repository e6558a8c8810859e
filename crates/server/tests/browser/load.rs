//! Overview load time on a big store, cold browser cache: the dashboard served over an existing store (e.g. the
//! 10 M-session one `bench server --keep DIR` leaves behind), a fresh Chromium profile per run, signed in by
//! cookie so the clock covers only the overview: from navigation until the page marks itself ready.

use std::path::Path;
use std::time::{Duration, Instant};

use fantoccini::cookies::Cookie;
use fantoccini::Client;
use serde_json::Value;

use crate::harness::{self, js};

/// One timed load.
pub struct Load {
    /// Navigation until `data-ready`, measured in the page (`performance.now()` at the first poll that saw it).
    pub ready_ms: f64,
    /// The slowest API request of the load.
    pub slowest_api_ms: f64,
    /// Bytes transferred (document + resources, as sent).
    pub bytes: u64,
}

/// Polls (every 10 ms, for at most 60 s) until the overview is ready; panics on an error box.
async fn ready(c: &Client) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let v = c
            .execute(
                "const m = document.getElementById('main');
                 if (!m || !m.hasAttribute('data-ready') || document.body.getAttribute('data-page') !== 'overview')
                   return null;
                 const err = m.querySelector('.error');
                 return err ? 'error: ' + err.textContent : performance.now();",
                vec![],
            )
            .await
            .unwrap_or(Value::Null);
        match v {
            Value::Number(n) => return n.as_f64().unwrap_or(f64::NAN),
            Value::String(s) => panic!("the overview failed: {s}"),
            _ => {}
        }
        assert!(Instant::now() < deadline, "the overview was not ready within 60 s");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Loads `base` + `path` in a fresh browser profile, signed in with the session `token`.
pub async fn once(driver: &harness::Driver, chromium: &Path, base: &str, path: &str, token: &str) -> Load {
    let profile = tempfile::tempdir().expect("profile dir");
    let c = harness::open_browser(driver, chromium, profile.path()).await;
    // A JSON 404 on the origin, so the cookie can be set for it without loading any of the app.
    c.goto(&format!("{base}/api/v1/none")).await.expect("open the origin");
    let cookie = Cookie::parse(format!(
        "apiary_session={token}; Domain=127.0.0.1; Path=/; HttpOnly; SameSite=Strict"
    ))
    .expect("a cookie");
    c.add_cookie(cookie).await.expect("set the session cookie");
    c.goto(&format!("{base}{path}")).await.expect("open the overview");
    let ready_ms = ready(&c).await;
    let v = js(
        &c,
        "const nav = performance.getEntriesByType('navigation')[0];
         const res = performance.getEntriesByType('resource');
         const api = res.filter((r) => r.name.includes('/api/'));
         return [(nav ? nav.transferSize : 0) + res.reduce((n, r) => n + (r.transferSize || 0), 0),
                 api.reduce((m, r) => Math.max(m, r.duration), 0)];",
        vec![],
    )
    .await;
    let _ = tokio::time::timeout(Duration::from_secs(10), c.close()).await;
    Load {
        ready_ms,
        slowest_api_ms: v[1].as_f64().unwrap_or(0.0),
        bytes: v[0].as_u64().unwrap_or(0),
    }
}

/// The median of some figures.
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}
