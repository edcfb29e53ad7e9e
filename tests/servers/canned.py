#!/usr/bin/python3
"""A loopback HTTP server that answers with canned responses, for the aws/ tests.

It listens on 127.0.0.1 (a free port, printed as "PORT <n>" on stdout) and
answers each request with the next response from its queue, recording every
request it receives.  Control requests, under /__canned/:

  POST /__canned/push   JSON list of responses to append to the queue
  POST /__canned/reset  empty the queue and the record
  GET  /__canned/log    the record: JSON list of {method, path, query,
                        headers (names lower-cased), body, body_len, body_sha256}

A response is a JSON object:
  status      HTTP status (default 200)
  headers     {name: value}
  body        text of the body
  body_size   instead of body: that many bytes of "x"
  do          "reset" (RST without answering), "close" (close without
              answering), "truncate" (announce more bytes than are sent), or
              "stall" (wait stall_ms, then answer normally; without a status
              it never answers)
  stall_ms    milliseconds to wait for "stall"

With an empty queue the answer is 418 with a plain-text body, which no client
retries, so a test that expects fewer requests fails quickly.
"""
import hashlib
import http.server
import json
import socket
import struct
import sys
import threading
import time
import urllib.parse

lock = threading.Lock()
queue = []
record = []


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def _read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        chunks = []
        while n > 0:
            c = self.rfile.read(min(n, 1 << 20))
            if not c:
                break
            chunks.append(c)
            n -= len(c)
        return b"".join(chunks)

    def _send(self, code, body=b"", headers=None, ctype="application/json"):
        self.send_response(code)
        hdrs = {"Content-Type": ctype}
        hdrs.update(headers or {})
        for k, v in hdrs.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _control(self, body):
        global queue, record
        path = urllib.parse.urlsplit(self.path).path
        if path == "/__canned/push":
            with lock:
                queue.extend(json.loads(body or b"[]"))
            return self._send(200, b"{}")
        if path == "/__canned/reset":
            with lock:
                queue = []
                record = []
            return self._send(200, b"{}")
        if path == "/__canned/log":
            with lock:
                out = json.dumps(record).encode()
            return self._send(200, out)
        return self._send(404, b"{}")

    def _any(self):
        body = self._read_body()
        if self.path.startswith("/__canned/"):
            return self._control(body)
        parts = urllib.parse.urlsplit(self.path)
        entry = {
            "method": self.command,
            "path": parts.path,
            "query": parts.query,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body.decode("latin-1") if len(body) <= 65536 else "",
            "body_len": len(body),
            "body_sha256": hashlib.sha256(body).hexdigest(),
        }
        with lock:
            record.append(entry)
            resp = queue.pop(0) if queue else None
        if resp is None:
            return self._send(418, b"no canned response left", ctype="text/plain")
        action = resp.get("do", "")
        if action == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        if action == "close":
            self.close_connection = True
            return
        if action == "stall":
            time.sleep(resp.get("stall_ms", 0) / 1000.0)
            if "status" not in resp:
                time.sleep(3600)
                return
        if "body_size" in resp:
            data = b"x" * int(resp["body_size"])
        else:
            data = resp.get("body", "").encode()
        status = int(resp.get("status", 200))
        headers = resp.get("headers", {})
        if action == "truncate":
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data) + 1000))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
            self.close_connection = True
            return
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _any


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # clients that give up mid-answer are part of the tests


def main():
    srv = Server(("127.0.0.1", 0), Handler)
    print("PORT %d" % srv.server_address[1], flush=True)
    # stop when the test that started us goes away (its end of stdin closes)
    threading.Thread(target=lambda: (sys.stdin.read(), srv.shutdown()), daemon=True).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
