"""Drives the reference Python hpfeeds 3.1.0 client against a broker, for the Rust interop tests.

Usage: hpfeeds_peer.py HOST PORT SCENARIO [ARGS...]; prints one JSON object on stdout.
Every wait is bounded, so a broker that misbehaves yields a result, never a hang.
"""
import asyncio
import json
import sys

import hpfeeds
from hpfeeds.asyncio import ClientSession


async def pubsub(host, port, count):
    """The asyncio client (as Cowrie's hpfeeds3 output uses) publishes `count` messages to a subscriber."""
    sub = ClientSession(host, port, "sub", "subsecret")
    sub.subscribe("events")
    pub = ClientSession(host, port, "pub", "pubsecret")
    await asyncio.wait_for(sub.when_connected, 5)
    await asyncio.wait_for(pub.when_connected, 5)
    # Probe until the subscription is live, so no counted message races it.
    for _ in range(100):
        pub.publish("events", b"probe")
        try:
            await asyncio.wait_for(sub.read(), 0.05)
            break
        except asyncio.TimeoutError:
            pass
    for i in range(count):
        pub.publish("events", f"msg-{i}".encode())
    got = []
    idents = set()
    try:
        while len(got) < count:
            ident, chan, payload = await asyncio.wait_for(sub.read(), 10)
            if payload == b"probe":
                continue
            idents.add(f"{ident}@{chan}")
            got.append(payload.decode())
    except asyncio.TimeoutError:
        pass
    in_order = got == [f"msg-{i}" for i in range(len(got))]
    await pub.close()
    await sub.close()
    return {"received": len(got), "in_order": in_order, "from": sorted(idents)}


def broker_error(host, port, ident, secret, action, channel):
    """The blocking client does one thing and reports the broker's ERROR text, if any."""
    try:
        hpc = hpfeeds.new(host, port, ident, secret, reconnect=False)
    except hpfeeds.FeedException as e:
        return {"exception": str(e)}
    if action == "publish":
        hpc.publish(channel, b"x")
    elif action == "subscribe":
        hpc.subscribe(channel)
        hpc._subscribe()
    err = hpc.wait(3)
    hpc.close()
    return {"error": err}


def main():
    host, port, scenario = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    args = sys.argv[4:]
    if scenario == "pubsub":
        out = asyncio.run(pubsub(host, port, int(args[0])))
    elif scenario == "error":
        out = broker_error(host, port, *args)
    else:
        raise SystemExit(f"unknown scenario {scenario}")
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
