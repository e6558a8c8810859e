"""Drives the real `telnet` client (netkit, from Debian) through a pseudo-terminal against Apiary's Telnet honeypot.

Usage: telnet_peer.py PORT USER PASSWORD COMMAND
Prints what the terminal showed after the command as JSON; only ever connects to 127.0.0.1.
"""
import json
import os
import pty
import select
import sys
import time


def main():
    port, user, password, command = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp("telnet", ["telnet", "127.0.0.1", port])
    seen = b""

    def until(marker, timeout=10):
        nonlocal seen
        end = time.time() + timeout
        start = len(seen)
        while time.time() < end:
            r, _, _ = select.select([fd], [], [], 0.2)
            if r:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                seen += chunk
                if marker in seen[start:]:
                    return seen[start:].decode(errors="replace")
        raise SystemExit(f"timed out waiting for {marker!r}; saw {seen!r}")

    out = {}
    out["login"] = until(b"login: ")
    os.write(fd, user.encode() + b"\r")
    until(b"Password: ")
    os.write(fd, password.encode() + b"\r")
    out["banner"] = until(b"# ")
    os.write(fd, command.encode() + b"\r")
    out["command"] = until(b"# ")
    os.write(fd, b"exit\r")
    out["exit"] = until(b"closed by foreign host", 10)
    os.waitpid(pid, 0)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
