#!/usr/bin/env python3
"""A staging edge in front of a backend, as production deployments have one: TLS with a certificate from a private
CA, an access header every request must carry (403 without it), and a rate limiter that answers some requests 429
with Retry-After (alternately in seconds and as an HTTP date). Requests that pass are forwarded to the upstream over
plain HTTP with `X-Forwarded-Proto: https`, the access header removed.

Usage: edge-proxy.py --port PORT --upstream http://127.0.0.1:9000 --cert CERT.der --key KEY.der --header NAME
       [--limit-every N]      (the access header's value is read from $EDGE_ACCESS_VALUE, never from the command line)
Prints `listening on https://127.0.0.1:PORT` once it accepts connections; counts on stderr when stopped.
"""
import argparse
import email.utils
import http.client
import http.server
import os
import signal
import ssl
import sys
import tempfile
import threading
import time
import urllib.parse

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer"}


def pem(der: bytes, label: str) -> str:
    import base64
    body = base64.encodebytes(der).decode().replace("\n", "")
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--header", required=True)
    parser.add_argument("--limit-every", type=int, default=9)
    args = parser.parse_args()
    access_value = os.environ["EDGE_ACCESS_VALUE"]
    upstream = urllib.parse.urlsplit(args.upstream)
    lock = threading.Lock()
    counts = {"requests": 0, "limited": 0, "refused": 0}

    class Edge(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def answer(self, status: int, headers: dict, body: bytes = b"") -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def handle_one(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            if self.headers.get(args.header) != access_value:
                with lock:
                    counts["refused"] += 1
                self.answer(403, {"Content-Type": "text/plain"}, b"access denied by the edge\n")
                return
            with lock:
                counts["requests"] += 1
                limited = counts["requests"] % args.limit_every == 0
                if limited:
                    counts["limited"] += 1
                    as_date = counts["limited"] % 2 == 0
            if limited:
                retry_after = email.utils.formatdate(time.time() + 2, usegmt=True) if as_date else "1"
                self.answer(429, {"Retry-After": retry_after, "Content-Type": "text/plain"}, b"slow down\n")
                return
            headers = {k: v for k, v in self.headers.items()
                       if k.lower() not in HOP_BY_HOP and k.lower() not in ("host", args.header.lower())}
            headers["X-Forwarded-Proto"] = "https"
            headers["Host"] = upstream.netloc
            connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
            try:
                # The request target as sent: http.server folds a leading `//` in `self.path`.
                target = self.requestline.split(" ")[1]
                connection.request(self.command, target, body=body if (body or length) else None, headers=headers)
                response = connection.getresponse()
                payload = response.read()
                self.send_response(response.status)
                for name, value in response.getheaders():
                    if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            finally:
                connection.close()

        do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = do_OPTIONS = do_HEAD = handle_one

    with tempfile.TemporaryDirectory() as scratch:
        cert_pem, key_pem = os.path.join(scratch, "cert.pem"), os.path.join(scratch, "key.pem")
        with open(cert_pem, "w") as out:
            out.write(pem(open(args.cert, "rb").read(), "CERTIFICATE"))
        with open(key_pem, "w") as out:
            out.write(pem(open(args.key, "rb").read(), "PRIVATE KEY"))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_pem, key_pem)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Edge)
        server.daemon_threads = True
        server.socket = context.wrap_socket(server.socket, server_side=True)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    print(f"listening on https://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        print(f"edge: {counts}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
