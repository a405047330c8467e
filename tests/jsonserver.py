"""A tiny JSON-over-HTTP peer on 127.0.0.1 for transport tests (a test double: no real service here).

POST /echo answers ``{"got": <request body>, "header": <X-Test header>}``; /slow waits 3 s;
/garbage answers a body that is not JSON; /status/N answers ``{"status": N}`` with HTTP status N.
CORS is open so pages on another loopback port can call it.
"""

import http.server
import json
import threading
import time


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _send(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Headers", "*")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_OPTIONS(self):
        self._send(204, b"")

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path == "/slow":
            time.sleep(3)
        if self.path == "/garbage":
            return self._send(200, b"<html>not json")
        if self.path.startswith("/status/"):
            code = int(self.path.rsplit("/", 1)[1])
            return self._send(code, json.dumps({"status": code}).encode())
        self._send(200, json.dumps({"got": json.loads(raw), "header": self.headers.get("X-Test")}).encode())


def start():
    """Start the server in a daemon thread; returns (base_url, server)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server
