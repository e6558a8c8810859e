"""Drives Apiary's SSH honeypot with real Python SSH clients (paramiko, asyncssh) for the sensor's tests.

Usage: ssh_peer.py CLIENT SCENARIO PORT USER PASSWORD
Prints one JSON object on stdout describing what the client saw; exits non-zero on an unexpected failure.
Only ever connects to 127.0.0.1.
"""
import asyncio
import json
import sys
import time


def paramiko_run(scenario, port, user, password):
    import paramiko

    c = paramiko.SSHClient()
    c.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    try:
        c.connect("127.0.0.1", port=port, username=user, password=password, look_for_keys=False,
                  allow_agent=False, timeout=10, banner_timeout=10, auth_timeout=10)
    except paramiko.AuthenticationException as e:
        return {"auth": False, "error": str(e)}
    out = {"auth": True}
    if scenario == "channels":
        # Two exec channels then a shell on one connection: writes are seen by later channels.
        for i, cmd in enumerate(["echo persisted > /tmp/p; cd /tmp; echo $?", "cat /tmp/p; pwd", "cat /nope"]):
            _, so, se = c.exec_command(cmd, timeout=10)
            out[f"exec{i}"] = {"stdout": so.read().decode(), "stderr": se.read().decode(),
                               "status": so.channel.recv_exit_status()}
    elif scenario == "shell":
        ch = c.invoke_shell(term="xterm", width=100, height=30)
        ch.settimeout(10)

        def read_until(marker):
            buf = b""
            deadline = time.time() + 10
            while marker not in buf and time.time() < deadline:
                buf += ch.recv(65536)
            return buf.decode(errors="replace")

        out["banner"] = read_until(b"# ")
        ch.send(b"echo one; cat /tmp/p\r")
        out["first"] = read_until(b"# ")
        ch.send(b"echo 'open\r")
        out["continuation"] = read_until(b"> ")
        ch.send(b"quote'\r")
        out["closed"] = read_until(b"# ")
        ch.send(b"exit 7\r")
        out["exit"] = read_until(b"logout\r\n")
        out["status"] = ch.recv_exit_status()
    c.close()
    return out


async def asyncssh_run(scenario, port, user, password):
    import asyncssh

    try:
        async with asyncssh.connect("127.0.0.1", port=port, username=user, password=password,
                                    known_hosts=None, client_keys=None, agent_path=None,
                                    connect_timeout=10) as conn:
            r = await conn.run("uname -a; whoami; echo err >&2; exit 4", check=False, timeout=10)
            return {"auth": True, "stdout": r.stdout, "stderr": r.stderr, "status": r.exit_status,
                    "server_version": conn.get_extra_info("server_version")}
    except asyncssh.PermissionDenied as e:
        return {"auth": False, "error": str(e)}


def main():
    client, scenario, port, user, password = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
    if client == "paramiko":
        res = paramiko_run(scenario, port, user, password)
    else:
        res = asyncio.run(asyncssh_run(scenario, port, user, password))
    print(json.dumps(res))


if __name__ == "__main__":
    main()
