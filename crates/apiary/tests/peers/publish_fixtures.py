"""Publishes fixture payloads with the reference Python hpfeeds 3.1.0 client, as a foreign sensor would.

Usage: publish_fixtures.py HOST PORT IDENT SECRET FILE_LIST_JSON
FILE_LIST_JSON holds [[channel, path], ...]; each file's bytes are published once, in order, on its channel.
Prints {"published": N} on stdout. Every wait is bounded.
"""
import json
import sys

import hpfeeds


def main():
    host, port, ident, secret, listing = sys.argv[1:6]
    with open(listing) as f:
        items = json.load(f)
    client = hpfeeds.new(host, int(port), ident, secret)
    client.s.settimeout(10)
    n = 0
    for channel, path in items:
        with open(path, "rb") as f:
            client.publish(channel, f.read())
        n += 1
    # A subscribe-free round trip is impossible in hpfeeds; closing flushes the socket.
    client.close()
    print(json.dumps({"published": n}))


if __name__ == "__main__":
    main()
