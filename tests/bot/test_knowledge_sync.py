"""`cncf-bot knowledge sync` against a local HTTP server, and a running server picking up the version.

The landscape served is built from the packaged facts (so the test needs nothing outside the
repository), then changed: a sandbox project promoted, a new sandbox project with the landscape's
own description, an incubating project archived.
"""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from bot.config import Config
from bot.knowledge_live import engine_for_version
from bot.knowledge_sync import SyncRefused, packaged_facts, sync
from bot.services import DbServices
from tests.handlers.harness import Harness

from . import potd_fixtures

db, db_url = potd_fixtures.db, potd_fixtures.db_url
fake_slack, slack_client = potd_fixtures.fake_slack, potd_fixtures.slack_client
ROOT = Path(__file__).resolve().parents[2]
NEW_DESC = "Zappy Mesh routes requests between services with a tiny proxy."


def landscape_text(facts: list[dict]) -> str:
    cats: dict = {}
    for f in facts:
        item = {"name": f["name"], "homepage_url": f.get("homepage") or "https://example.org",
                "repo_url": f.get("repo") or None}
        if f.get("maturity"):
            item["project"] = f["maturity"]
            item["extra"] = {k: f[k] for k in ("accepted", "incubating", "graduated", "archived") if f.get(k)}
        if f.get("description"):
            item["description"] = f["description"]
        cats.setdefault(f["category"], {}).setdefault(f["subcategory"], []).append(item)
    doc = {"landscape": [{"category": None, "name": c, "subcategories": [
        {"subcategory": None, "name": s, "items": items} for s, items in subs.items()]} for c, subs in cats.items()]}
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def changed_facts() -> tuple[list[dict], dict]:
    facts = [dict(f) for f in packaged_facts()]
    by = {f["id"]: f for f in facts}
    promoted = next(f for f in facts if f.get("maturity") == "sandbox" and f["id"] == "kubearmor") \
        if "kubearmor" in by else next(f for f in facts if f.get("maturity") == "sandbox")
    promoted["maturity"], promoted["incubating"] = "incubating", "2026-11-20"
    archived = next(f for f in facts if f.get("maturity") == "incubating" and f is not promoted)
    archived["maturity"], archived["archived"] = "archived", "2026-11-25"
    facts.append({"id": "zappy-mesh", "name": "Zappy Mesh", "category": "Orchestration & Management",
                  "subcategory": "Service Mesh", "homepage": "https://zappy.example.org", "repo": "",
                  "maturity": "sandbox", "accepted": "2026-11-28", "description": NEW_DESC})
    return facts, {"promoted": promoted["name"], "archived": archived["name"]}


class Served:
    """A local web server: `bodies[path] = (status, content_type, bytes)`; honours If-None-Match."""

    def __init__(self):
        self.bodies: dict[str, tuple[int, str, bytes]] = {}
        self.seen: list[dict] = []
        served = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                served.seen.append(dict(self.headers))
                status, ctype, body = served.bodies.get(self.path, (404, "text/plain", b"no such file"))
                etag = f'"{hash(body) & 0xffffffff:x}"'
                if status == 200 and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                if status == 200:
                    self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def web():
    w = Served()
    yield w
    w.stop()


@pytest.fixture(scope="module")
def landscape():
    facts, names = changed_facts()
    return landscape_text(facts).encode(), names


def test_sync_stores_a_version_reports_changes_and_honours_the_etag(db, web, landscape):
    body, names = landscape
    web.bodies["/landscape.yml"] = (200, "text/plain", body)
    result = sync(db, web.url + "/landscape.yml")
    text = "\n".join(result.lines())
    assert result.status == "stored" and result.version == 1
    assert f"promoted: {names['promoted']}" in text and "new: Zappy Mesh (sandbox)" in text
    assert f"archived: {names['archived']}" in text
    again = sync(db, web.url + "/landscape.yml")
    assert again.status == "unchanged" and web.seen[-1].get("If-None-Match")  # a conditional GET, answered 304
    engine, version = engine_for_version(db)
    assert version == 1
    zappy = engine.ask("what is zappy mesh")
    assert zappy.intent == "project" and zappy.projects[0].id == "zappy-mesh"
    assert engine.ask("zapy mesh").projects[0].id == "zappy-mesh"  # typos, like every other project
    assert "zappy-mesh" in [e.id for e in engine.list_answer("sandbox", None, "en").projects]
    from knowledge.render_text import render_text

    card = render_text(zappy, engine.catalog)
    assert NEW_DESC in card and "CNCF Landscape (CC-BY-4.0)" in card  # quoted, credited
    assert engine.catalog.entries["istio"].summary.en  # curated text untouched


@pytest.mark.parametrize("status, ctype, make, reason", [
    (404, "text/plain", lambda b: b"gone", "HTTP 404"),
    (200, "text/html", lambda b: b"<html><body>Sign in</body></html>", "HTML"),
    (200, "text/plain", lambda b: b[: len(b) // 3].rsplit(b"\n", 1)[0] + b"\n  - name: [", "YAML"),
    (200, "text/plain", lambda b: b"just: [a, list]\n", "landscape"),
    (200, "text/plain", lambda b: b[: len(b) // 8].rsplit(b"\n  - category", 1)[0] + b"\n", "half"),
])
def test_a_bad_download_is_refused_and_the_version_in_force_stays(db, web, landscape, status, ctype, make, reason):
    body, _ = landscape
    web.bodies["/ok.yml"] = (200, "text/plain", body)
    assert sync(db, web.url + "/ok.yml").version == 1
    web.bodies["/bad.yml"] = (status, ctype, make(body))
    with pytest.raises(SyncRefused) as exc:
        sync(db, web.url + "/bad.yml")
    assert reason.lower() in str(exc.value).lower() and "\n" not in str(exc.value)
    assert engine_for_version(db)[1] == 1


def test_a_url_that_is_not_http_is_refused(db):
    for url in ("not-a-url", "file:///etc/passwd"):
        with pytest.raises(SyncRefused, match="http"):
            sync(db, url)


def test_the_cli_exits_non_zero_with_one_line_on_a_refusal(db_url, web, tmp_path):
    web.bodies["/x"] = (200, "text/html", b"<!doctype html><p>proxy login</p>")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "DATABASE_URL": db_url, "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "bot.cli", "knowledge", "sync", web.url + "/x"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1 and out.stderr.count("\n") == 1 and "HTML" in out.stderr


def test_a_running_server_picks_up_a_new_version_without_restart(engine, db, db_url, web, landscape):
    env = {"DATABASE_URL": db_url, "KNOWLEDGE_REFRESH_SECONDS": "1"}
    h = Harness(engine, env=env, services=DbServices(Config.from_env(env, need_slack=False), engine, db), jobs=True)
    try:
        status, rid = h.command("what is zappy mesh")
        assert "Zappy" not in str(h.response(rid)[0].get("blocks"))
        web.bodies["/l.yml"] = (200, "text/plain", landscape[0])
        assert sync(db, web.url + "/l.yml").status == "stored"
        deadline = time.monotonic() + 20
        while True:
            status, rid = h.command("what is zappy mesh")
            reply = h.response(rid)[0]
            if "Zappy Mesh" in str(reply.get("blocks")):
                break
            assert time.monotonic() < deadline, "the new version was not picked up"
            time.sleep(0.3)
        assert NEW_DESC in str(reply["blocks"])
        status, rid = h.command("about")
        assert "knowledge version 1" in str(h.response(rid)[0])
        assert "cncf_bot_knowledge_version 1" in h.request("GET", "/metrics")[2].decode()
    finally:
        h.close()


# -- the what-changed digest -------------------------------------------------------------------------

def test_the_digest_is_posted_once_per_channel_and_version_with_two_runners(db, web, landscape, fake_slack,
                                                                            slack_client):
    from concurrent.futures import ThreadPoolExecutor

    from bot.digest import DigestCommands, DigestRunner
    from handlers.services import CommandContext

    cmds = DigestCommands(db, lambda team, user: "h" * 64)
    for ch, lang in (("C1", "en"), ("C2", "ko"), ("C3", "en")):
        assert cmds.handle("subscribe " + lang, CommandContext("T1", ch, "U1"), "en").text
    cmds.handle("unsubscribe", CommandContext("T1", "C3", "U1"), "en")
    assert "does not get" in cmds.handle("status", CommandContext("T1", "C3", "U1"), "en").text
    time.sleep(0.01)
    body, names = landscape
    web.bodies["/l.yml"] = (200, "text/plain", body)
    assert sync(db, web.url + "/l.yml").status == "stored"
    with ThreadPoolExecutor(2) as two:
        results = list(two.map(lambda _: DigestRunner(db, slack_client).run(), range(2)))
    assert sorted(sum((r.posted for r in results), [])) == ["T1/C1", "T1/C2"]
    posts = {p["channel"]: p for p in fake_slack.posts}
    assert set(posts) == {"C1", "C2"} and len(fake_slack.posts) == 2
    assert names["promoted"] in posts["C1"]["text"] and "Zappy Mesh" in posts["C1"]["text"]
    assert names["archived"] in posts["C1"]["text"] and "승격" in posts["C2"]["text"]
    assert DigestRunner(db, slack_client).run().posted == []  # a third run adds nothing
