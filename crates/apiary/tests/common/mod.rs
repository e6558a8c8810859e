//! What the process-level tests of `apiary` share: free loopback ports, waiting for a child to listen, and stopping it
//! with SIGTERM.

use std::collections::BTreeSet;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, ExitStatus};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Longest a child may take to start listening.
pub const LISTEN_WAIT: Duration = Duration::from_secs(15);

/// An ephemeral loopback port that was free a moment ago, and never handed out before in this test process: tests
/// run in parallel and some take several ports, so two of them must not be told the same one.
pub fn free_port() -> u16 {
    static GIVEN: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());
    for _ in 0..1000 {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral loopback port");
        let port = l.local_addr().expect("local addr").port();
        if GIVEN.lock().unwrap_or_else(PoisonError::into_inner).insert(port) {
            return port;
        }
    }
    panic!("no fresh ephemeral port in 1000 tries")
}

/// Waits until `addr` accepts connections, failing fast if `child` exits first and after [`LISTEN_WAIT`] otherwise.
pub fn wait_listening(addr: SocketAddr, child: &mut Child) {
    let deadline = Instant::now() + LISTEN_WAIT;
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        if let Some(status) = child.try_wait().expect("poll the child") {
            panic!("the process meant to listen on {addr} exited early: {status}");
        }
        assert!(
            Instant::now() < deadline,
            "nothing listened on {addr} within {LISTEN_WAIT:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sends SIGTERM to `child` and waits up to `wait` for it to exit, failing the test if it does not.
#[allow(dead_code)] // each test binary compiles this module; not all of them stop a child this way
pub fn terminate(child: &mut Child, what: &str, wait: Duration) -> ExitStatus {
    // SAFETY: kill(2) on our own child's pid; no memory is involved.
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    assert_eq!(rc, 0);
    let deadline = Instant::now() + wait;
    loop {
        if let Some(s) = child.try_wait().expect("poll the child") {
            return s;
        }
        assert!(Instant::now() < deadline, "{what} did not exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}
