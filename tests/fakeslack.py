"""A local fake of Slack's edge, for tests and benchmarks: the Web API, response_urls and Socket Mode.

`FakeSlack().start()` listens on a free loopback port and records every call:
- POST /api/<method>: the Web API (set SLACK_API_URL / base_url to `fake.api_url`); answers
  auth.test, chat.postMessage, views.publish, apps.connections.open and anything else with ok;
- POST /response/<id>: response_url posts (`fake.response_url("x")` makes one);
- GET /link: a websocket (RFC 6455, just enough of it) speaking Socket Mode: it says hello,
  sends the envelopes queued with `socket_send`, records the client's acks and answers pings.
Failures on demand: `fail("chat.postMessage", status=429, headers={"Retry-After": "0"})` or
`fail("chat.postMessage", error="not_in_channel")`, for the next N calls of that method
(`fail("auth.test", error="invalid_auth")` for a bad token). Failures of delivery too:
`fail(..., mode="slow", delay=2)` stores the message and answers late; `mode="drop"` stores it
and closes the connection without an answer; `mode="hang"` stores nothing and never answers
(until `release()`), like a Slack that has not seen the request when its sender dies.
Posted messages are kept per conversation (`messages`), with their metadata, and answer
conversations.history and conversations.replies (with include_all_metadata), as Slack does;
`where` on `fail` limits a failure to calls whose body matches.
auth.test answers with the granted scopes in the x-oauth-scopes header, as Slack does:
`fake.scopes` (the manifest's by default; set a shorter string to leave one out, None for no header).
"""
from __future__ import annotations

import base64
import hashlib
import json
import queue
import select
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
TEAM_ID = "T0001"
SCOPES = "app_mentions:read,assistant:write,channels:history,chat:write,commands,groups:history,im:history,mpim:history,users:read"  # what slack-manifest.yml asks for


@dataclass
class Call:
    kind: str  # "api" | "response" | "socket_ack"
    method: str  # API method, response id, or envelope id
    body: dict
    headers: dict = field(default_factory=dict)
    status: int = 200


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._failures: dict[str, list[dict]] = {}
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._outbox: queue.Queue[dict] = queue.Queue()
        self.socket_connections = 0
        self.scopes: str | None = SCOPES
        self.users: dict[str, dict] = {}  # users.info answers by user id (default: a plain member)
        self._ts = 1_700_000_000
        self.messages: dict[str, list[dict]] = {}  # channel -> posted messages, oldest first
        self._released = threading.Event()
        # Multi-workspace: bot token -> the workspace it belongs to, and install codes -> the
        # oauth.v2.access answer. With any token registered, every API call is checked against
        # them (an unknown or revoked token gets invalid_auth), as Slack does.
        self.tokens: dict[str, dict] = {}
        self.codes: dict[str, dict] = {}
        self.refreshes: dict[str, dict] = {}  # refresh token -> the answer a rotation gives
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                if self.path.startswith("/link") and self.headers.get("Upgrade", "").lower() == "websocket":
                    fake._websocket(self)
                else:
                    self._send(404, {"ok": False, "error": "unknown_method"})

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, headers, payload = fake._handle_post(self.path, dict(self.headers), raw)
                mode = headers.pop("_mode", None)
                if mode == "drop":  # accepted, then the connection is gone before the answer
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if mode == "hang":
                    fake._released.wait()
                    self.close_connection = True
                    return
                if mode == "slow":
                    time.sleep(float(headers.pop("_delay", 1.0)))
                self._send(status, payload, headers)

            def _send(self, status: int, payload: Any, headers: dict | None = None) -> None:
                data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
                self.send_response(status)
                ctype = "text/plain" if isinstance(payload, str) else "application/json; charset=utf-8"
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.api_url = self.url + "/api/"

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> FakeSlack:
        threading.Thread(target=self._server.serve_forever, name="fake-slack", daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self._failures.clear()
            self.messages.clear()

    def release(self) -> None:
        """Let every hanging call go (their connections close without an answer)."""
        self._released.set()

    def response_url(self, name: str) -> str:
        return f"{self.url}/response/{name}"

    # -- failures on demand ------------------------------------------------------------------------
    def fail(self, method: str, *, status: int = 200, error: str | None = None, headers: dict | None = None,
             times: int = 1, mode: str | None = None, delay: float = 1.0,
             where: Callable[[dict], bool] | None = None) -> None:
        """Make the next `times` calls of `method` (or of any response_url, method="response") fail;
        mode "slow", "drop" or "hang" (see the module docstring) instead of an error answer."""
        with self._lock:
            self._failures.setdefault(method, []).extend(
                [{"status": status, "error": error, "headers": headers or {}, "mode": mode, "delay": delay,
                  "where": where}] * times)

    def posts(self, channel: str | None = None, key: str | None = None) -> list[dict]:
        """Messages stored by chat.postMessage (where a dropped or slow call still stores), by
        channel and by the answer key in their metadata."""
        with self._lock:
            found = [m for ch, msgs in self.messages.items() if channel in (None, ch) for m in msgs]
        return [m for m in found if key is None or ((m.get("metadata") or {}).get("event_payload") or {}).get("key") == key]

    # -- many workspaces ------------------------------------------------------------------------------
    def add_workspace(self, team_id: str, token: str, code: str, *, name: str = "", enterprise_id: str | None = None,
                      org_wide: bool = False, bot_user_id: str = "UBOT", installer: str = "U100",
                      refresh_token: str | None = None, expires_in: int | None = None) -> None:
        """A workspace (or, org_wide, an Enterprise Grid org) whose install code `code` gives `token`."""
        who = {"team_id": None if org_wide else team_id, "enterprise_id": enterprise_id, "bot_user_id": bot_user_id,
               "bot_id": "B" + (enterprise_id if org_wide else team_id), "name": name or team_id,
               "org_wide": org_wide}
        with self._lock:
            self.tokens[token] = who
            answer = {"ok": True, "app_id": "A0001", "access_token": token, "token_type": "bot",
                      "scope": self.scopes or "", "bot_user_id": bot_user_id,
                      "team": None if org_wide else {"id": team_id, "name": who["name"]},
                      "enterprise": {"id": enterprise_id, "name": who["name"]} if enterprise_id else None,
                      "is_enterprise_install": org_wide, "authed_user": {"id": installer}}
            if refresh_token:
                answer.update(refresh_token=refresh_token, expires_in=expires_in or 43200)
                self.refreshes[refresh_token] = dict(answer, access_token=token + "-r", expires_in=43200)
            self.codes[code] = answer

    def revoke(self, token: str) -> None:
        with self._lock:
            self.tokens.pop(token, None)

    def token_of(self, call: Call) -> str:
        auth = call.headers.get("Authorization") or call.headers.get("authorization") or ""
        return auth[len("Bearer "):] if auth.startswith("Bearer ") else str(call.body.get("token") or "")

    # -- looking at what happened ------------------------------------------------------------------
    def find(self, kind: str | None = None, method: str | None = None,
             where: Callable[[Call], bool] | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if (kind is None or c.kind == kind) and (method is None or c.method == method)
                    and (where is None or where(c))]

    def wait_for(self, kind: str | None = None, method: str | None = None, count: int = 1,
                 where: Callable[[Call], bool] | None = None, timeout: float = 10.0) -> list[Call]:
        """Block until at least `count` matching calls arrived (the listeners answer on threads)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [c for c in self.calls if (kind is None or c.kind == kind)
                         and (method is None or c.method == method) and (where is None or where(c))]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} {kind or ''} {method or ''} call(s), got {len(found)}; "
                                         f"all calls: {[(c.kind, c.method) for c in self.calls]}")
                self._cond.wait(left)

    def _record(self, call: Call) -> None:
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()

    # -- HTTP ---------------------------------------------------------------------------------------
    def _handle_post(self, path: str, headers: dict, raw: bytes) -> tuple[int, dict, Any]:
        ctype = headers.get("Content-Type", "")
        try:
            if "json" in ctype:
                body = json.loads(raw or b"{}")
            else:
                body = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        except ValueError:
            body = {"_raw": raw.decode(errors="replace")}
        if path.startswith("/response/"):
            kind, method = "response", path[len("/response/"):]
        elif path.startswith("/api/"):
            kind, method = "api", path[len("/api/"):].split("?")[0]
        else:
            return 404, {}, {"ok": False, "error": "unknown_path"}
        with self._lock:
            pending = self._failures.get(method) or self._failures.get(kind if kind == "response" else "")
            failure = None
            for i, f in enumerate(pending or []):
                if f["where"] is None or f["where"](body):
                    failure = pending.pop(i)
                    break
        if failure and failure["mode"]:
            self._record(Call(kind, method, body, headers, 0))
            if failure["mode"] == "hang":
                return 0, {"_mode": "hang"}, ""
            answer = self._api_answer(method, body)  # stored, as Slack would, before the trouble
            return 200, {"_mode": failure["mode"], "_delay": failure["delay"]}, answer
        if failure:
            status = failure["status"]
            payload: Any = {"ok": False, "error": failure["error"] or ("ratelimited" if status == 429 else "fatal_error")}
            if status >= 500:
                payload = "<html><body>upstream trouble</body></html>"  # Slack's edge answers HTML
            self._record(Call(kind, method, body, headers, status))
            return status, failure["headers"], payload
        if kind == "api" and self.tokens and method not in ("oauth.v2.access", "apps.connections.open"):
            call = Call(kind, method, body, headers)
            who = self.tokens.get(self.token_of(call))
            if who is None:
                self._record(Call(kind, method, body, headers, 200))
                return 200, {}, {"ok": False, "error": "invalid_auth"}
        if kind == "api" and method == "oauth.v2.access":
            self._record(Call(kind, method, body, headers))
            return 200, {}, self._oauth_answer(body)
        self._record(Call(kind, method, body, headers))
        if kind == "response":
            return 200, {}, "ok"
        headers_out = {"x-oauth-scopes": self.scopes} if method == "auth.test" and self.scopes is not None else {}
        return 200, headers_out, self._api_answer(method, body, self.token_of(Call(kind, method, body, headers)))

    def _oauth_answer(self, body: dict) -> dict:
        with self._lock:
            if body.get("grant_type") == "refresh_token":
                fresh = self.refreshes.get(str(body.get("refresh_token") or ""))
                if fresh is None:
                    return {"ok": False, "error": "invalid_refresh_token"}
                old = fresh["access_token"][:-2]
                if old in self.tokens:
                    self.tokens[fresh["access_token"]] = self.tokens[old]
                return dict(fresh)
            answer = self.codes.pop(str(body.get("code") or ""), None)  # a code works once
        return answer or {"ok": False, "error": "invalid_code"}

    def _api_answer(self, method: str, body: dict, token: str = "") -> dict:
        who = self.tokens.get(token) if token else None
        if method == "auth.test" and who is not None:
            return {"ok": True, "url": f"https://{who['name'].lower()}.slack.com/", "team": who["name"],
                    "user": "cncf-bot", "team_id": who["team_id"] or who["enterprise_id"],
                    "enterprise_id": who["enterprise_id"], "user_id": who["bot_user_id"], "bot_id": who["bot_id"],
                    "is_enterprise_install": who["org_wide"]}
        if method == "auth.test":
            return {"ok": True, "url": "https://fake.slack.com/", "team": "Fake", "user": "cncf-bot",
                    "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID, "is_enterprise_install": False}
        if method == "chat.postMessage":
            meta = body.get("metadata")
            if isinstance(meta, str):
                meta = json.loads(meta)
            blocks = body.get("blocks")
            if isinstance(blocks, str):
                blocks = json.loads(blocks)
            with self._lock:
                self._ts = max(self._ts + 1, int(time.time()))  # after the question it answers
                ts = f"{self._ts}.000100"
                message = {"type": "message", "text": body.get("text"), "ts": ts, "bot_id": BOT_ID,
                           "thread_ts": body.get("thread_ts"), "metadata": meta, "blocks": blocks or []}
                self.messages.setdefault(body.get("channel", ""), []).append(message)
            return {"ok": True, "channel": body.get("channel"), "ts": ts,
                    "message": {"text": body.get("text"), "ts": ts, "bot_id": BOT_ID}}
        if method in ("conversations.history", "conversations.replies"):
            with self._lock:
                msgs = list(self.messages.get(body.get("channel", ""), []))
            if method == "conversations.replies":
                root = body.get("ts", "")
                msgs = [m for m in msgs if m.get("thread_ts") == root or m["ts"] == root]
            else:
                msgs = [m for m in msgs if float(m["ts"]) >= float(body.get("oldest") or 0)]
            keep = str(body.get("include_all_metadata")).lower() in ("1", "true")
            out = [m if keep else {k: v for k, v in m.items() if k != "metadata"} for m in msgs]
            return {"ok": True, "messages": out if method == "conversations.replies" else out[::-1],
                    "has_more": False}
        if method == "views.publish":
            return {"ok": True, "view": {"id": "V0001", "type": "home"}}
        if method == "users.info":
            uid = body.get("user", "")
            return {"ok": True, "user": self.users.get(uid, {"id": uid, "is_admin": False, "is_owner": False})}
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/link"}
        return {"ok": True}

    # -- Socket Mode ---------------------------------------------------------------------------------
    def socket_send(self, envelope: dict) -> None:
        """Queue an envelope ({"envelope_id", "type", "payload", ...}) for the connected client."""
        self._outbox.put(envelope)

    def _websocket(self, handler: BaseHTTPRequestHandler) -> None:
        key = handler.headers.get("Sec-WebSocket-Key", "")
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        handler.send_response(101, "Switching Protocols")
        handler.send_header("Upgrade", "websocket")
        handler.send_header("Connection", "Upgrade")
        handler.send_header("Sec-WebSocket-Accept", accept)
        handler.end_headers()
        handler.wfile.flush()
        sock: socket.socket = handler.connection
        with self._lock:
            self.socket_connections += 1
        _ws_send(sock, 0x1, json.dumps({"type": "hello", "num_connections": 1,
                                        "debug_info": {"host": "fake"}}).encode())
        buffer = b""
        try:
            while True:
                try:
                    while True:
                        _ws_send(sock, 0x1, json.dumps(self._outbox.get_nowait()).encode())
                except queue.Empty:
                    pass
                readable, _, _ = select.select([sock], [], [], 0.02)
                if not readable:
                    continue
                chunk = sock.recv(65536)
                if not chunk:
                    return
                buffer += chunk
                while True:
                    frame = _ws_parse(buffer)
                    if frame is None:
                        break
                    opcode, payload, buffer = frame
                    if opcode == 0x8:  # close
                        _ws_send(sock, 0x8, payload[:2])
                        return
                    if opcode == 0x9:  # ping
                        _ws_send(sock, 0xA, payload)
                    elif opcode == 0x1:
                        try:
                            msg = json.loads(payload)
                        except ValueError:
                            msg = {}
                        self._record(Call("socket_ack", str(msg.get("envelope_id", "")), msg))
        except OSError:
            return
        finally:
            handler.close_connection = True


def _ws_send(sock: socket.socket, opcode: int, payload: bytes) -> None:
    head = bytes([0x80 | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([n])
    elif n < 1 << 16:
        head += bytes([126]) + struct.pack("!H", n)
    else:
        head += bytes([127]) + struct.pack("!Q", n)
    sock.sendall(head + payload)


def _ws_parse(buf: bytes) -> tuple[int, bytes, bytes] | None:
    """One complete frame from the client (masked) off the front of `buf`, or None if incomplete."""
    if len(buf) < 2:
        return None
    opcode, masked, n = buf[0] & 0x0F, buf[1] & 0x80, buf[1] & 0x7F
    pos = 2
    if n == 126:
        if len(buf) < 4:
            return None
        n, pos = struct.unpack("!H", buf[2:4])[0], 4
    elif n == 127:
        if len(buf) < 10:
            return None
        n, pos = struct.unpack("!Q", buf[2:10])[0], 10
    mask = b""
    if masked:
        if len(buf) < pos + 4:
            return None
        mask, pos = buf[pos:pos + 4], pos + 4
    if len(buf) < pos + n:
        return None
    data = buf[pos:pos + n]
    if masked:
        data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
    return opcode, data, buf[pos + n:]
