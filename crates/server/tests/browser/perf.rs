//! The live map under load: 200 events/s published to the hub for a while, frame rate and memory read in the page.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use fantoccini::Client;
use serde_json::Value;

use crate::harness::{js, wait_for};
use crate::seed;

/// Events per second the map must hold.
pub const RATE: usize = 200;
/// Frames per second it must not drop below (one-second windows after warm-up, 5th percentile: on a shared
/// two-core machine a single window can dip for reasons outside the page).
pub const MIN_FPS: f64 = 30.0;

/// What the page measured.
pub struct Figures {
    /// Frames per second, worst one-second window.
    pub worst_fps: f64,
    /// Frames per second over the whole run.
    pub mean_fps: f64,
    /// Frames per second of the 5th-percentile one-second window (a single dip may be another process's doing).
    pub p5_fps: f64,
    /// Milliseconds the map's own frame work took: 95th percentile and worst.
    pub work_ms: (f64, f64),
    /// JS heap after warm-up and at the end, bytes.
    pub heap: (u64, u64),
    /// DOM nodes after warm-up and at the end.
    pub nodes: (u64, u64),
    /// Rows in the feed at the end.
    pub feed_rows: u64,
    /// Events the feed received (sum of frame sizes).
    pub received: u64,
}

/// Publishes `RATE` events/s for `secs` seconds (frames of a quarter second) while the page counts frames.
pub async fn run(c: &Client, hub: &Arc<server::web::LiveHub>, secs: u64) -> Figures {
    wait_for(
        c,
        "the live stream",
        "return document.getElementById('live-status').textContent === 'connected'",
    )
    .await;
    js(
        c,
        "const s = { frames: [], work: [], stop: false, received: 0 };
         window.__perf = s;
         const m = window.__apiaryMap;
         const add = m.add.bind(m);
         m.add = (batch, now) => { s.received += batch.length; return add(batch, now); };
         const frame = m.frame.bind(m);
         m.frame = (t) => { const a = performance.now(); frame(t); s.work.push(performance.now() - a); };
         const tick = (t) => { s.frames.push(t); if (!s.stop) requestAnimationFrame(tick); };
         requestAnimationFrame(tick);",
        vec![],
    )
    .await;
    let per_frame = RATE / 4;
    let publisher = {
        let hub = hub.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_millis(250));
            for i in 0..secs * 4 {
                every.tick().await;
                let batch: Vec<store::Record> = (0..per_frame)
                    .map(|k| seed::spread_login(Utc::now(), (i as usize) * per_frame + k))
                    .collect();
                hub.publish(&batch);
            }
        })
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    let warm = sample(c).await;
    let _ = publisher.await;
    let end = sample(c).await;
    let stats = js(
        c,
        "const s = window.__perf; s.stop = true;
         const f = s.frames; const t0 = f[0], t1 = f[f.length - 1];
         const windows = [];
         let i = 0;
         for (let w = t0 + 2000; w + 1000 <= t1; w += 1000) {
           while (i < f.length && f[i] < w) i++;
           let j = i;
           while (j < f.length && f[j] < w + 1000) j++;
           windows.push(j - i);
         }
         windows.sort((a, b) => a - b);
         const work = s.work.slice().sort((a, b) => a - b);
         const pct = (a, p) => (a.length ? a[Math.min(a.length - 1, Math.floor(a.length * p))] : 0);
         return [windows.length ? windows[0] : 0, (f.length - 1) / ((t1 - t0) / 1000), s.received,
                 document.querySelectorAll('#live-feed li').length, pct(windows, 0.05), pct(work, 0.95),
                 work.length ? work[work.length - 1] : 0];",
        vec![],
    )
    .await;
    let n = |v: &Value, i: usize| v[i].as_f64().unwrap_or(0.0);
    Figures {
        worst_fps: n(&stats, 0),
        mean_fps: n(&stats, 1),
        p5_fps: n(&stats, 4),
        work_ms: (n(&stats, 5), n(&stats, 6)),
        heap: (n(&warm, 0) as u64, n(&end, 0) as u64),
        nodes: (n(&warm, 1) as u64, n(&end, 1) as u64),
        feed_rows: n(&stats, 3) as u64,
        received: n(&stats, 2) as u64,
    }
}

/// `[JS heap bytes, DOM nodes]` now (after a GC when the page allows it).
async fn sample(c: &Client) -> Value {
    js(
        c,
        "if (window.gc) window.gc();
         return [performance.memory ? performance.memory.usedJSHeapSize : 0, document.getElementsByTagName('*').length];",
        vec![],
    )
    .await
}
