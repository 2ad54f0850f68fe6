#!/usr/bin/env python3
"""A man in the middle between a TUF client and Herald, for the tests of what the client refuses.

    proxy.py PORT UPSTREAM MODE_FILE SAVE_DIR

Each request reads MODE_FILE: `pass`; `replay-timestamp FILE` (answer timestamp.json with FILE);
`tamper-targets` (change one byte of every N.targets.json); `tamper-file` (change one byte of
every target file). Every timestamp.json that passes is saved as SAVE_DIR/timestamp-N.json.
"""
import json
import os
import sys
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, upstream, mode_file, save_dir = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]


class Proxy(BaseHTTPRequestHandler):
    def log_message(self, *arguments):
        pass

    def do_GET(self):
        with open(mode_file) as handle:
            mode = handle.read().split()
        if mode[0] == "replay-timestamp" and self.path.endswith("/metadata/timestamp.json"):
            with open(mode[1], "rb") as handle:
                return self.answer(200, handle.read())
        try:
            with urllib.request.urlopen(upstream + self.path, timeout=30) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        if status == 200 and self.path.endswith("/metadata/timestamp.json"):
            version = json.loads(body)["signed"]["version"]
            with open(os.path.join(save_dir, f"timestamp-{version}.json"), "wb") as handle:
                handle.write(body)
        if status == 200 and mode[0] == "tamper-targets" and self.path.endswith(".targets.json"):
            body = body.replace(b'"length":', b'"length":1', 1)
        if status == 200 and mode[0] == "tamper-file" and "/targets/" in self.path:
            body = bytes([body[0] ^ 1]) + body[1:]
        self.answer(status, body)

    def answer(self, status, body):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


ThreadingHTTPServer(("127.0.0.1", port), Proxy).serve_forever()
