"""A small fake of Slack's Web API for project-of-the-day tests and the benchmark.

A ThreadingHTTPServer that answers chat.postMessage (recording every accepted post, enforcing
Slack's one post per second per channel with 429 + Retry-After), conversations.history (from
the recorded posts, with metadata) and users.info. Tests script failures per channel:
`fail(channel, error="channel_not_found")`, `fail(channel, status=429, retry_after=1)`,
`fail(channel, status=500)`.
"""
from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class Failure:
    status: int = 200
    error: str | None = None
    retry_after: int | None = None


@dataclass
class FakeSlack:
    rate_limit: bool = True  # one chat.postMessage per second per channel
    latency: float = 0.0  # seconds each chat.postMessage takes, to look like the real Slack
    keep_bodies: bool = True  # False: remember only channel, ts and metadata (the benchmark's memory)
    posts: list[dict] = field(default_factory=list)
    calls: list[tuple[str, dict]] = field(default_factory=list)
    users: dict[str, dict] = field(default_factory=dict)

    def __post_init__(self):
        self.lock = threading.Lock()
        self.failures: dict[str, deque[Failure]] = defaultdict(deque)
        self.last_post: dict[str, float] = {}
        self.server: ThreadingHTTPServer | None = None

    # -- scripting --------------------------------------------------------------------------------
    def fail(self, channel: str, *, error: str | None = None, status: int = 200, retry_after: int | None = None,
             times: int = 1) -> None:
        with self.lock:
            for _ in range(times):
                self.failures[channel].append(Failure(status, error, retry_after))

    def posts_to(self, channel: str) -> list[dict]:
        with self.lock:
            return [p for p in self.posts if p["channel"] == channel]

    def add_post(self, channel: str, body: dict) -> dict:
        """Record a post as Slack would accept it (also used by tests to fake a lost response)."""
        if not self.keep_bodies:
            body = {"metadata": body.get("metadata")}
        with self.lock:
            ts = f"{time.time():.6f}"
            post = dict(body, channel=channel, ts=ts)
            self.posts.append(post)
            self.last_post[channel] = time.monotonic()
            return post

    # -- server -----------------------------------------------------------------------------------
    def start(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    body = json.loads(raw or "{}")
                else:
                    body = {k: v[0] for k, v in parse_qs(raw).items()}
                method = self.path.rsplit("/", 1)[-1].split("?")[0]
                status, payload, headers = fake.handle(method, body)
                data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if not isinstance(payload, str) else "text/html")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    def handle(self, method: str, body: dict) -> tuple[int, dict | str, dict]:
        with self.lock:
            self.calls.append((method, body if self.keep_bodies else {"channel": body.get("channel")}))
        if method == "chat.postMessage":
            return self._post(body)
        if method == "conversations.history":
            channel = body.get("channel", "")
            oldest = float(body.get("oldest") or 0)
            msgs = [{"type": "message", "ts": p["ts"], "text": p.get("text", ""), "metadata": p.get("metadata")}
                    for p in self.posts_to(channel) if float(p["ts"]) >= oldest]
            return 200, {"ok": True, "messages": list(reversed(msgs)), "has_more": False}, {}
        if method == "users.info":
            user = self.users.get(body.get("user", ""))
            if user is None:
                return 200, {"ok": False, "error": "user_not_found"}, {}
            return 200, {"ok": True, "user": user}, {}
        if method == "auth.test":
            return 200, {"ok": True, "team_id": "T1", "user_id": "UBOT", "bot_id": "BBOT"}, {}
        return 200, {"ok": True}, {}

    def _post(self, body: dict) -> tuple[int, dict | str, dict]:
        channel = body.get("channel", "")
        if self.latency:
            time.sleep(self.latency)
        with self.lock:
            failure = self.failures[channel].popleft() if self.failures[channel] else None
            if failure is None and self.rate_limit:
                last = self.last_post.get(channel)
                if last is not None and time.monotonic() - last < 1.0:
                    failure = Failure(429, "ratelimited", 1)
        if failure is not None:
            if failure.status == 429:
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(failure.retry_after or 1)}
            if failure.status >= 500:
                return failure.status, "<html>upstream trouble</html>", {}
            return 200, {"ok": False, "error": failure.error or "unknown_error"}, {}
        if isinstance(body.get("metadata"), str):
            body["metadata"] = json.loads(body["metadata"])
        if isinstance(body.get("blocks"), str):
            body["blocks"] = json.loads(body["blocks"])
        text = body.get("text")
        post = self.add_post(channel, body)
        return 200, {"ok": True, "channel": channel, "ts": post["ts"], "message": {"text": text}}, {}
