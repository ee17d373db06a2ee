#!/usr/bin/env python3
"""The external client of `visionflow bench-server`: Python's standard library (http.client, one
keep-alive connection per server), so what is timed is what any HTTP client sees over loopback.

(TCP_QUICKACK is set after each request, as Visionflow's own client does: see below.)

Reads a JSON plan on stdin: {"rounds": N, "warmup": W, "calls": [{"name", "url", "method",
"headers", "body", "warmup"?}]}. Each call is first made W times (or its own "warmup"), untimed:
the server's code is compiled by then, as in a server that has been up for a while. Then the calls
run in turns, one of each per round and each round starting one call further on, so every call
sees the same machine state; each is made twice in a row, the first timing what it costs after the
client talked to another server (the server idle for a moment), the second back to back. Prints
one JSON object: {name: [milliseconds per round], name + "/again": [...]}.
"""
import http.client
import json
import socket
import sys
import time
from urllib.parse import urlsplit

plan = json.load(sys.stdin)
connections = {}


def make(call):
    """Makes one call; returns its milliseconds, from sending the request to the answer's last byte."""
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
    return elapsed


for call in plan["calls"]:
    for _ in range(call.get("warmup", plan.get("warmup", 0))):
        make(call)
times = {}
for call in plan["calls"]:
    times[call["name"]] = []
    times[call["name"] + "/again"] = []
calls = plan["calls"]
for round_ in range(plan["rounds"]):
    # each round starts one call further on: the first call after the client paused pays for the
    # server's wake-up, and no call should pay it every time
    for i in range(len(calls)):
        call = calls[(round_ + i) % len(calls)]
        times[call["name"]].append(make(call))
        times[call["name"] + "/again"].append(make(call))
json.dump(times, sys.stdout)
