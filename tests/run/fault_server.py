#!/usr/bin/env python3
"""Test HTTP server that injects faults, for tests/run/test_run_http.sh.

Paths: /500 answers 500, /slow never answers in time, /cut announces a
longer body than it sends and closes, /badgzip serves a damaged gzip body
with Content-Encoding: gzip. Prints its port on stdout, then serves.
"""
import http.server
import socketserver
import sys
import time


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/500":
            self.send_response(500)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/slow":
            time.sleep(30)
        elif self.path == "/cut":
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"192.0.2.1\n192.0.2.2\n")
            self.wfile.flush()
            self.connection.close()
        elif self.path == "/badgzip":
            body = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage-not-deflate"
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


srv = Server(("127.0.0.1", 0), Handler)
print(srv.server_address[1], flush=True)
srv.serve_forever()
