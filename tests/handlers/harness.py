"""The real server on a free port, wired to the fake Slack, and requests signed the way Slack signs them."""
from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from handlers.services import CommandContext, QuestionRecord, Reply
from tests.fakeslack import TEAM_ID, FakeSlack

SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"


@dataclass
class RecordingServices:
    """A Services implementation that remembers what the handlers told it (issue 5 has the real one)."""

    subcommands: frozenset = frozenset({"lang", "potd", "boom", "slow"})
    langs: dict = field(default_factory=dict)
    questions: list = field(default_factory=list)
    ran: list = field(default_factory=list)
    potd: str | None = "keda"
    release: threading.Event = field(default_factory=threading.Event)  # lets "slow" finish

    def preferred_lang(self, team_id: str, user_id: str) -> str | None:
        return self.langs.get(user_id)

    def log_question(self, record: QuestionRecord) -> None:
        self.questions.append(record)

    def subcommand(self, name: str, args: str, ctx: CommandContext, lang: str) -> Reply:
        self.ran.append((name, args, ctx.user_id, lang))
        if name == "boom":
            raise RuntimeError("a bug in a subcommand")
        if name == "slow":  # slower than the ack budget: answered on the response_url
            self.release.wait(10)
        return Reply(text=f"ran {name}")

    def todays_project(self, team_id: str) -> str | None:
        return self.potd


class Harness:
    def __init__(self, engine, env: dict | None = None, services=None, ack_budget: float = 0.25,
                 jobs: bool = False, fake: FakeSlack | None = None):
        from bot.app import build_runtime
        from bot.config import Config
        from bot.server import bind, create_asgi, uvicorn_server

        self.own_fake = fake is None
        self.fake = fake or FakeSlack().start()
        self.services = services or RecordingServices()
        base = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": self.fake.api_url,
                "DATABASE_URL": "sqlite://", "LOG_FORMAT": "text"}
        self.config = Config.from_env(base | (env or {}))
        self.runtime = build_runtime(self.config, engine=engine, services=self.services, start_jobs=jobs,
                                     ack_budget=ack_budget)
        self.asgi = create_asgi(self.runtime.app, self.runtime.metrics, signing_secret=SECRET,
                                database=getattr(self.services, "database_status", None))
        sock = bind("127.0.0.1", 0)
        self.port = sock.getsockname()[1]
        self.server = uvicorn_server(self.asgi, host="127.0.0.1", port=self.port, log_level="warning")
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.01)
        self.verifier = SignatureVerifier(SECRET)
        self.acks: dict[str, dict] = {}

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.runtime.stop_background()
        if self.own_fake:
            self.fake.stop()

    # -- HTTP ------------------------------------------------------------------------------------------
    def request(self, method: str, path: str, body: bytes = b"", headers: dict | None = None
                ) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def signed_headers(self, body: bytes, content_type: str, timestamp: int | None = None) -> dict:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        try:
            signature = self.verifier.generate_signature(timestamp=ts, body=body)
        except UnicodeDecodeError:  # slack_sdk decodes first; Slack signs the raw bytes: v0=HMAC("v0:ts:body")
            mac = hmac.new(SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
            signature = "v0=" + mac.hexdigest()
        return {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}

    def post_slack(self, body: bytes, content_type: str, extra: dict | None = None,
                   timestamp: int | None = None) -> tuple[int, dict, bytes]:
        headers = self.signed_headers(body, content_type, timestamp) | (extra or {})
        return self.request("POST", "/slack/events", body, headers)

    # -- Slack payloads --------------------------------------------------------------------------------
    def command(self, text: str, user: str = "U100", channel: str = "C100", response_id: str | None = None,
                team: str = TEAM_ID, enterprise: str | None = None, org_wide: bool = False) -> tuple[int, str]:
        rid = response_id or uuid.uuid4().hex
        form = {"token": "x", "team_id": team, "team_domain": "fake", "channel_id": channel,
                "channel_name": "general", "user_id": user, "user_name": "someone", "command": "/cncf",
                "text": text, "api_app_id": "A0001", "is_enterprise_install": "true" if org_wide else "false",
                "response_url": self.fake.response_url(rid), "trigger_id": "1.2.3"}
        if enterprise:
            form["enterprise_id"] = enterprise
        status, headers, data = self.post_slack(urlencode(form).encode(), "application/x-www-form-urlencoded")
        if data:  # answered in the ack (Slack's immediate response): JSON, or plain text
            is_json = headers.get("content-type", "").startswith("application/json")
            self.acks[rid] = json.loads(data) if is_json else {"text": data.decode()}
        return status, rid

    def event(self, event: dict, event_id: str | None = None, retry: int | None = None, team: str = TEAM_ID,
              enterprise: str | None = None, org_wide: bool = False) -> tuple[int, str]:
        eid = event_id or "Ev" + uuid.uuid4().hex[:10].upper()
        auth = {"enterprise_id": enterprise, "team_id": None if org_wide else team, "user_id": "UBOT", "is_bot": True,
                "is_enterprise_install": org_wide}
        body = {"token": "x", "team_id": team, "api_app_id": "A0001", "event": event, "type": "event_callback",
                "event_id": eid, "event_time": int(time.time()), "authorizations": [auth]}
        if enterprise:
            body["enterprise_id"] = enterprise
            body["is_enterprise_install"] = org_wide
        extra = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        status, _, _ = self.post_slack(json.dumps(body).encode(), "application/json", extra)
        return status, eid

    def action(self, action: dict, *, user: str = "U100", channel: str | None = "C100", ephemeral: bool = True,
               response_id: str | None = None, message: dict | None = None, view: bool = False) -> tuple[int, str]:
        rid = response_id or uuid.uuid4().hex
        payload: dict = {"type": "block_actions", "user": {"id": user, "team_id": TEAM_ID},
                         "api_app_id": "A0001", "token": "x", "team": {"id": TEAM_ID, "domain": "fake"},
                         "trigger_id": "1.2.3", "actions": [action | {"action_ts": "1700000000.1"}]}
        if view:
            payload["container"] = {"type": "view", "view_id": "V0001"}
            payload["view"] = {"id": "V0001", "type": "home"}
        else:
            payload["container"] = {"type": "message", "message_ts": "1700000000.000200", "channel_id": channel,
                                    "is_ephemeral": ephemeral}
            payload["channel"] = {"id": channel, "name": "general"}
            payload["response_url"] = self.fake.response_url(rid)
            if message is not None:
                payload["message"] = message
        body = urlencode({"payload": json.dumps(payload)}).encode()
        status, _, _ = self.post_slack(body, "application/x-www-form-urlencoded")
        return status, rid

    def response(self, rid: str, count: int = 1) -> list[dict]:
        """What the person saw for a command or click: the ack's message, then response_url posts."""
        first = [self.acks[rid]] if rid in self.acks else []
        if len(first) >= count:
            return first
        return first + [c.body for c in self.fake.wait_for("response", rid, count - len(first))]


def button(block: dict) -> dict:
    """The first element of an actions block, or a section's accessory, as Slack sends it back."""
    el = block["elements"][0] if block["type"] == "actions" else block["accessory"]
    return {"type": el["type"], "action_id": el["action_id"], "block_id": block.get("block_id", "b"),
            "value": el.get("value", ""), "text": el.get("text")}


def find_blocks(blocks: list[dict], action_prefix: str) -> list[dict]:
    """Every interactive element whose action_id starts with the prefix, with its block_id."""
    out = []
    for b in blocks:
        els = b.get("elements", []) if b["type"] == "actions" else [b["accessory"]] if "accessory" in b else []
        for el in els:
            if el.get("action_id", "").startswith(action_prefix):
                out.append(el | {"block_id": b.get("block_id", "b")})
    return out


def all_text(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def wait_metric(h: Harness, sample: str, timeout: float = 10.0) -> str:
    """The /metrics page once it contains `sample` (metrics are updated after Slack answers)."""
    deadline = time.monotonic() + timeout
    while True:
        text = h.request("GET", "/metrics")[2].decode()
        if sample in text:
            return text
        if time.monotonic() > deadline:
            raise AssertionError(f"{sample!r} not in /metrics:\n{text}")
        time.sleep(0.02)
