//! What the process-level tests of `apiary` share: free loopback ports and waiting for a child to listen.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::Child;
use std::time::{Duration, Instant};

/// Longest a child may take to start listening.
pub const LISTEN_WAIT: Duration = Duration::from_secs(15);

/// An ephemeral loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral loopback port");
    l.local_addr().expect("local addr").port()
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
