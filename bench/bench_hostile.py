"""Memory of the real server while an unauthenticated client streams a huge chunked body.

    python bench/bench_hostile.py [--mb 300]

Starts the app behind the real HTTP server (the test harness: a local fake Slack, SQLite in
memory), sends a chunked POST with no content-length and no signature, and prints how much the
server process's resident memory grew and what it answered. Prints numbers; asserts nothing.
"""
from __future__ import annotations

import argparse
import socket
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=300)
    args = ap.parse_args()
    from knowledge.engine import Engine
    from tests.handlers.harness import Harness

    h = Harness(Engine.load())
    try:
        before, peak = rss_mb(), 0.0
        s = socket.create_connection(("127.0.0.1", h.port), timeout=30)
        s.sendall(b"POST /slack/events HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n")
        piece = b"%x\r\n" % 65536 + b"a" * 65536 + b"\r\n"
        sent, t0 = 0, time.perf_counter()
        try:
            while sent < args.mb << 20:
                s.sendall(piece)
                sent += 65536
                if sent % (8 << 20) == 0:
                    peak = max(peak, rss_mb())
            s.sendall(b"0\r\n\r\n")
        except OSError:
            pass
        try:
            reply = s.recv(200).split(b"\r\n")[0].decode(errors="replace")
        except OSError:
            reply = "(connection closed)"
        s.close()
        peak = max(peak, rss_mb())
        print(f"streamed {sent >> 20} MB in {time.perf_counter() - t0:.1f} s; the server answered: {reply}")
        print(f"server process RSS: {before:.1f} MB before, peak {peak:.1f} MB (growth {peak - before:.1f} MB)")
        status, _, _ = h.request("GET", "/healthz")
        print(f"/healthz afterwards: {status}")
    finally:
        h.close()


if __name__ == "__main__":
    main()
