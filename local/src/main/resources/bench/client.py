#!/usr/bin/env python3
"""The external client of `visionflow bench-server`: Python's standard library (http.client, one
keep-alive connection per server), so what is timed is what any HTTP client sees over loopback.

(TCP_QUICKACK is set after each request, as Visionflow's own client does: see below.)

Reads a JSON plan on stdin: {"rounds": N, "calls": [{"name", "url", "method", "headers", "body"}]}.
The calls run in turns, one of each per round, so every call sees the same machine state. Prints
one JSON object: {name: [milliseconds per round]}; the first two rounds are warm-up and dropped.
"""
import http.client
import json
import socket
import sys
import time
from urllib.parse import urlsplit

plan = json.load(sys.stdin)
connections = {}
times = {call["name"]: [] for call in plan["calls"]}
for round_ in range(plan["rounds"] + 2):
    for call in plan["calls"]:
        url = urlsplit(call["url"])
        conn = connections.get(url.netloc)
        if conn is None:
            conn = connections[url.netloc] = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        body = call.get("body")
        data = body.encode() if isinstance(body, str) else None
        path = url.path + ("?" + url.query if url.query else "")
        start = time.perf_counter()
        conn.request(call.get("method", "GET"), path, body=data, headers=call.get("headers", {}))
        if hasattr(socket, "TCP_QUICKACK"):
            # acknowledge the answer's head at once: http.server writes head and body apart without
            # TCP_NODELAY, and a delayed acknowledgement would add up to 40 ms to the direct calls
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        response = conn.getresponse()
        answer = response.read()
        elapsed = (time.perf_counter() - start) * 1000
        if response.status != 200:
            sys.exit("%s answered %d: %s" % (call["name"], response.status, answer[:300]))
        if round_ >= 2:
            times[call["name"]].append(elapsed)
json.dump(times, sys.stdout)
