"""Benchmark of the HTTP server: signed /cncf requests at concurrency 1 and 16.

    python bench/bench_http.py [--n 2000] [--warmup 200]

Three processes on this machine: a fake Slack (tests/fakeslack.py: auth.test and the
response_url posts), the server under test (bot.server's Starlette app on uvicorn), and this
client, which signs every request exactly as Slack does. The server runs twice: once with the
bot (`bot.app.build_runtime`: ack at once, answer on the response_url from a lazy listener),
once with a bare Bolt app on the same server that acks a fixed text. For each: p50, p99 and
requests per second of the ack, errors, and (bot only) the mean time to answer from /metrics.
Prints numbers; asserts nothing.
"""
from __future__ import annotations

import argparse
import http.client
import multiprocessing as mp
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECRET = "bench-signing-secret"
QUESTIONS = ["what is linkerd", "jaeger vs opentracing", "what should I use for tracing?", "graduated projects",
             "trail map step 3", "쿠버네티스가 뭐야?", "트레이싱 도구 추천", "what is a service mesh?", "help", "jeager"]


def run_fake(port_q) -> None:
    from tests.fakeslack import FakeSlack

    fake = FakeSlack().start()
    port_q.put(fake.port)
    threading.Event().wait()


def run_server(kind: str, api_url: str, port_q) -> None:
    import logging

    logging.basicConfig(level=logging.WARNING)
    from bot.config import Config
    from bot.metrics import BotMetrics
    from bot.server import bind, create_asgi, uvicorn_server

    env = {"SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": api_url,
           "LOG_LEVEL": "WARNING"}
    config = Config.from_env(env)
    if kind == "bot":
        from bot.app import build_runtime
        from handlers.services import NullServices

        runtime = build_runtime(config, services=NullServices(), start_jobs=False)
        asgi = create_asgi(runtime.app, runtime.metrics, signing_secret=SECRET)
    else:
        from slack_bolt import App
        from slack_sdk import WebClient

        app = App(client=WebClient(token=config.slack_bot_token, base_url=api_url), signing_secret=SECRET,
                  process_before_response=True)

        @app.command("/cncf")
        def fixed(ack):
            ack("Thanks for asking.")

        asgi = create_asgi(app, BotMetrics(), signing_secret=SECRET)
    sock = bind("127.0.0.1", 0)
    port_q.put(sock.getsockname()[1])
    uvicorn_server(asgi, host="127.0.0.1", port=0, log_level="warning").run(sockets=[sock])


def signed_requests(n: int, fake_url: str) -> list[tuple[bytes, dict]]:
    from slack_sdk.signature import SignatureVerifier

    verifier = SignatureVerifier(SECRET)
    ts = str(int(time.time()))
    out = []
    for i in range(n):
        body = urlencode({"team_id": "T0001", "channel_id": "C1", "user_id": f"U{i % 50}", "command": "/cncf",
                          "text": QUESTIONS[i % len(QUESTIONS)], "response_url": f"{fake_url}/response/{i}",
                          "trigger_id": "1.2.3"}).encode()
        out.append((body, {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
                           "X-Slack-Signature": verifier.generate_signature(timestamp=ts, body=body)}))
    return out


def load(port: int, requests: list[tuple[bytes, dict]], concurrency: int) -> dict:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    chunks = [requests[i::concurrency] for i in range(concurrency)]

    def worker(chunk):
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, bad = [], 0
        for body, headers in chunk:
            t0 = time.perf_counter()
            try:
                conn.request("POST", "/slack/events", body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
                ok = resp.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append(time.perf_counter() - t0)
            bad += not ok
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=worker, args=(c,)) for c in chunks]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    latencies.sort()
    return {"p50": statistics.median(latencies) * 1000, "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000,
            "rps": len(latencies) / wall, "errors": errors, "n": len(latencies)}


def answer_mean_ms(port: int) -> float | None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    total = count = 0.0
    for line in text.splitlines():
        if line.startswith("cncf_bot_answer_seconds_sum"):
            total += float(line.rsplit(" ", 1)[1])
        elif line.startswith("cncf_bot_answer_seconds_count"):
            count += float(line.rsplit(" ", 1)[1])
    return total / count * 1000 if count else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="requests per concurrency level (default 2000)")
    parser.add_argument("--warmup", type=int, default=200)
    args = parser.parse_args()
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    fake = ctx.Process(target=run_fake, args=(q,), daemon=True)
    fake.start()
    fake_url = f"http://127.0.0.1:{q.get(timeout=30)}"
    results: dict[tuple[str, int], dict] = {}
    try:
        for kind in ("bare", "bot"):
            server = ctx.Process(target=run_server, args=(kind, fake_url + "/api/", q), daemon=True)
            server.start()
            port = q.get(timeout=60)
            time.sleep(0.5)  # uvicorn's startup after the socket is bound
            load(port, signed_requests(args.warmup, fake_url), 4)
            for conc in (1, 16):
                results[(kind, conc)] = load(port, signed_requests(args.n, fake_url), conc)
            if kind == "bot":
                time.sleep(1.0)  # let the lazy answers drain before reading the histogram
                results[("bot", 0)] = {"answer_ms": answer_mean_ms(port)}
            server.terminate()
            server.join(timeout=10)
    finally:
        fake.terminate()
    print(f"HTTP /cncf through uvicorn + Starlette, {args.n} signed requests per level, {mp.cpu_count()} CPUs")
    print(f"{'app':<6} {'conc':>4} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8} {'errors':>6}")
    for kind in ("bare", "bot"):
        for conc in (1, 16):
            r = results[(kind, conc)]
            print(f"{kind:<6} {conc:>4} {r['p50']:>8.2f} {r['p99']:>8.2f} {r['rps']:>8.0f} {r['errors']:>6}")
    for conc in (1, 16):
        ratio = results[("bot", conc)]["p50"] / results[("bare", conc)]["p50"]
        print(f"p50 overhead ratio bot/bare at concurrency {conc}: {ratio:.2f}")
    answer = results[("bot", 0)]["answer_ms"]
    if answer is not None:
        print(f"mean time to answer (engine + Block Kit, inside the request): {answer:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
