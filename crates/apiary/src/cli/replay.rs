//! `apiary replay FILE`: plays a session recording (asciicast v2, as the sensor writes them) on this terminal with
//! its original timing, faster with `--speed`, long pauses shortened with `--idle-limit`, or all at once with `--raw`.
//!
//! Only output events are played; input, resize and marker events are skipped. The file is streamed, so a large
//! recording starts at once, and a recording cut short by a crash plays up to its last complete line.

use std::fs::File;
use std::io::{self, BufReader, Write};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::Args;
use sensor::record::{CastReader, EventKind};

/// Flags of `apiary replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The recording: `<session-id>.cast` under the sensor's data folder.
    file: PathBuf,
    /// Playback speed: 2 plays twice as fast.
    #[arg(long, default_value_t = 1.0, value_name = "X")]
    speed: f64,
    /// Longest pause shown, in seconds (default: the file's idle_time_limit, else no limit).
    #[arg(long, value_name = "SECS")]
    idle_limit: Option<f64>,
    /// Print all output at once, without delays (for pipes and grep).
    #[arg(long)]
    raw: bool,
}

/// Plays the recording to stdout.
pub fn run(args: ReplayArgs) -> Result<()> {
    if !(args.speed.is_finite() && args.speed > 0.0) {
        bail!("--speed must be a positive number, not {}", args.speed);
    }
    if let Some(limit) = args.idle_limit {
        if !(limit.is_finite() && limit >= 0.0) {
            bail!("--idle-limit must be a number of seconds, not {limit}");
        }
    }
    let file = File::open(&args.file).with_context(|| format!("cannot open {}", args.file.display()))?;
    let mut reader =
        CastReader::new(BufReader::new(file)).with_context(|| format!("cannot replay {}", args.file.display()))?;
    let idle_limit = args
        .idle_limit
        .or(reader.header().idle_time_limit)
        .and_then(|l| Duration::try_from_secs_f64(l).ok());
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut prev = Duration::ZERO;
    loop {
        let event = match reader.next_event() {
            Ok(Some(e)) => e,
            Ok(None) => break,
            Err(e) => return Err(e).with_context(|| format!("cannot replay {}", args.file.display())),
        };
        if event.kind != EventKind::Output {
            continue;
        }
        if !args.raw {
            let mut gap = event.time.saturating_sub(prev);
            if let Some(limit) = idle_limit {
                gap = gap.min(limit);
            }
            std::thread::sleep(Duration::try_from_secs_f64(gap.as_secs_f64() / args.speed).unwrap_or(Duration::MAX));
        }
        prev = event.time;
        match out.write_all(event.data.as_bytes()).and_then(|()| out.flush()) {
            Ok(()) => {}
            // The reader went away (`| head`): nothing left to do.
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(()),
            Err(e) => return Err(e).context("cannot write to stdout"),
        }
    }
    Ok(())
}
