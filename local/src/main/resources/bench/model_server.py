#!/usr/bin/env python3
"""The remote model server of `visionflow bench-server`: Python's standard library only, as small
model servers are written (http.server on a ThreadingHTTPServer, keep-alive on).

  POST /classify     a fixed answer after reading the request: what a tiny model costs
  POST /sleep/<ms>   the same answer after sleeping <ms> milliseconds: a slow model

Prints its port on the first line of stdout.
"""
import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ANSWER = json.dumps({"records": [{"best_label": {"name": "day", "prob": 0.75},
                                  "labels": [{"name": "day", "prob": 0.75}, {"name": "night", "prob": 0.25}],
                                  "_status": {"code": 200, "text": "OK"}}]}).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        if self.path.startswith("/sleep/"):
            time.sleep(int(self.path[len("/sleep/"):]) / 1000)
        elif self.path != "/classify":
            self.send_error(404)
            return
        if not body.get("records"):
            self.send_error(400)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(ANSWER)))
        self.end_headers()
        self.wfile.write(ANSWER)

    def log_message(self, format, *args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that hung up: nothing to report in a benchmark


if __name__ == "__main__":
    server = Server(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()
