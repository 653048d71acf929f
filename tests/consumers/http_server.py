# SPDX-License-Identifier: MIT
"""A scripted HTTP server on 127.0.0.1 for examples/curl_retry's test.

    python3 http_server.py PORTFILE

Listens on an ephemeral port of 127.0.0.1, writes the port to PORTFILE,
and answers each path from a script (one answer per request, the last
repeated). Bounded: it exits after 50 requests or 30 seconds, whichever
comes first, and logs each request to stderr as "<path> -> <status>".
"""
import http.server
import os
import sys
import threading

SCRIPTS = {
    # 503 asking for 1 s, 429 asking for 0 s, then the answer.
    "/flaky": [(503, {"Retry-After": "1"}), (429, {"Retry-After": "0"}),
               (200, {})],
    # Overloaded without saying for how long: the strategy's delays.
    "/down": [(503, {})],
    # Not retried.
    "/missing": [(404, {})],
}
MAX_REQUESTS = 50
MAX_SECONDS = 30


class Handler(http.server.BaseHTTPRequestHandler):
    served = {}
    total = 0

    def do_GET(self):  # noqa: N802 (the stdlib's name)
        Handler.total += 1
        script = SCRIPTS.get(self.path, [(404, {})])
        i = Handler.served.get(self.path, 0)
        Handler.served[self.path] = i + 1
        status, headers = script[min(i, len(script) - 1)]
        body = ("%s: %d\n" % (self.path, status)).encode()
        # Logged before the answer leaves: once the client has it, the test
        # may stop the server at any instant.
        sys.stderr.write("%s -> %d\n" % (self.path, status))
        sys.stderr.flush()
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        if Handler.total >= MAX_REQUESTS:
            threading.Thread(target=self.server.shutdown).start()

    def log_message(self, *args):
        pass


def main():
    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, sys.argv[1])
    timer = threading.Timer(MAX_SECONDS, server.shutdown)
    timer.daemon = True
    timer.start()
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main()
