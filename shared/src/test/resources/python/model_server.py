#!/usr/bin/env python3
"""A model server written the way small ones are: Python's standard library only
(http.server.BaseHTTPRequestHandler on a ThreadingHTTPServer), routing on self.path.

It speaks the classify/detect wire format of DESIGN section 1 on PNG images:
  POST /classify/colour      red/green/blue, each the channel's share of the image's sum
  POST /classify/brightness  dark/bright from the mean luminance
  POST /detect/blocks        one object per strongly red, blue or green area: Car (0.9),
                             Truck (0.6), Car (0.2), boxed in pixels

Usage: model_server.py [HTTP/1.0|HTTP/1.1]; prints its port on the first line of stdout.
The Java tests compute the same answers in-process (PythonModelServerTest), so the two
servers must agree to the last digit.
"""
import base64
import json
import struct
import sys
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def decode_png(data):
    """Width, height and rows of (r, g, b) tuples of an 8-bit PNG (grey, RGB or RGBA)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    channels = {0: 1, 2: 3, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace:
        raise ValueError("only 8-bit non-interlaced grey, RGB or RGBA")
    raw, stride, rows, prev = zlib.decompress(idat), width * channels, [], bytearray(width * channels)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append([(line[x * channels],) * 3 if channels == 1 else tuple(line[x * channels:x * channels + 3])
                     for x in range(width)])
        prev = line
    return width, height, rows


def colour(width, height, rows):
    sums = [sum(p[k] for row in rows for p in row) for k in range(3)]
    total = sum(sums) or 1
    return {"red": sums[0] / total, "green": sums[1] / total, "blue": sums[2] / total}


def brightness(width, height, rows):
    mean = sum(p[0] + p[1] + p[2] for row in rows for p in row) / (3 * 255 * width * height)
    return {"bright": mean, "dark": 1 - mean}


BLOCKS = [("Car", 0.9, 0), ("Truck", 0.6, 2), ("Car", 0.2, 1)]  # label, prob, dominant channel


def blocks(width, height, rows):
    found = []
    for name, prob, k in BLOCKS:
        xs, ys = [], []
        for y, row in enumerate(rows):
            for x, p in enumerate(row):
                if p[k] > 150 and all(p[j] < 100 for j in range(3) if j != k):
                    xs.append(x)
                    ys.append(y)
        if xs:
            found.append({"name": name, "prob": prob, "bound_box": [min(xs), min(ys), max(xs) + 1, max(ys) + 1]})
    return found


def classification(probs):
    labels = sorted(({"name": n, "prob": p} for n, p in probs.items()), key=lambda l: -l["prob"])
    return {"best_label": labels[0], "labels": labels}


ROUTES = {
    "/classify/colour": lambda img: classification(colour(*img)),
    "/classify/brightness": lambda img: classification(brightness(*img)),
    "/detect/blocks": lambda img: {"_objects": blocks(*img)},
}


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        route = ROUTES.get(self.path)
        if route is None:
            return self.answer(404, {"detail": "no route " + self.path})
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        records = []
        for record in body.get("records", []):
            try:
                records.append(dict(route(decode_png(base64.b64decode(record["_base64"]))),
                                    _status={"code": 200, "text": "OK"}))
            except (KeyError, ValueError) as e:
                records.append({"_status": {"code": 400, "text": str(e)}})
        self.answer(200, {"records": records, "task_id": body.get("task_id")})

    def answer(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):
        pass


if __name__ == "__main__":
    Handler.protocol_version = sys.argv[1] if len(sys.argv) > 1 else "HTTP/1.0"
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()
