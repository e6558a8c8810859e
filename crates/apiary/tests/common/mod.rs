//! What the process-level tests of `apiary` share: free loopback ports, waiting for a child to listen, and stopping it
//! with SIGTERM.

use std::net::{SocketAddr, TcpStream};
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

/// Longest a child may take to start listening.
pub const LISTEN_WAIT: Duration = Duration::from_secs(15);

pub use testkit::free_port;

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
