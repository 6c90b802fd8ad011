"""Many workspaces from one deployment: "Add to Slack" through the real server, the installations in
the database (SQLite and PostgreSQL), every workspace answered on its own bot token by a fake Slack
that knows which token belongs to whom, and what uninstalling and revoking do."""
from __future__ import annotations

import datetime as dt
import http.client
import logging
import re
import time
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from sqlalchemy import func, select, text

from bot.config import Config
from bot.db.models import Question, Subscription, UserPref, WorkspaceDeparture
from bot.potd_runner import PotdRunner
from bot.services import DbServices
from tests.fakeslack import FakeSlack
from tests.handlers.harness import Harness, wait_metric

from . import potd_fixtures

db, db_url = potd_fixtures.db, potd_fixtures.db_url

CLIENT_ID = "1111.2222"
OAUTH = {"SLACK_BOT_TOKEN": "", "SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": "client-secret",
         "PUBLIC_URL": "https://cncf-bot.example.com"}
A, B = "T0AAA", "T0BBB"  # two workspaces
TOKEN_A, TOKEN_B = "xoxb-team-a", "xoxb-team-b"


def oauth_replica(engine, db, db_url, fake: FakeSlack, **extra) -> Harness:
    env = OAUTH | {"DATABASE_URL": db_url, "SLACK_API_URL": fake.api_url} | extra
    return Harness(engine, env=env, services=DbServices(Config.from_env(env, need_slack=False), engine, db), fake=fake)


@pytest.fixture
def multi(engine, db, db_url):
    fake = FakeSlack().start()
    fake.add_workspace(A, TOKEN_A, "code-a", name="Alpha")
    fake.add_workspace(B, TOKEN_B, "code-b", name="Beta")
    h = oauth_replica(engine, db, db_url, fake=fake)
    yield h
    h.close()
    fake.stop()


# -- the browser's side ------------------------------------------------------------------------------

def get(h: Harness, path: str, cookie: str | None = None) -> tuple[int, dict, str, list[str]]:
    conn = http.client.HTTPConnection("127.0.0.1", h.port, timeout=10)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        resp = conn.getresponse()
        cookies = [v for k, v in resp.getheaders() if k.lower() == "set-cookie"]
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read().decode(), cookies
    finally:
        conn.close()


def start_install(h: Harness) -> tuple[str, str, dict]:
    """Open the install page: (state, the browser's cookie, the authorize URL's query)."""
    status, headers, page, cookies = get(h, "/slack/install")
    assert status == 200 and headers["content-type"].startswith("text/html")
    link = re.search(r'href="(https://slack\.com/oauth/v2/authorize[^"]+)"', page).group(1).replace("&amp;", "&")
    query = {k: v[0] for k, v in parse_qs(urlparse(link).query).items()}
    cookie = cookies[0].split(";")[0]
    return query["state"], cookie, query


def install(h: Harness, code: str) -> tuple[int, str]:
    state, cookie, _ = start_install(h)
    status, _, page, _ = get(h, "/slack/oauth_redirect?" + urlencode({"code": code, "state": state}), cookie)
    return status, page


def stored(db) -> tuple[int, int]:
    with db.engine.connect() as conn:
        return (conn.execute(text("SELECT count(*) FROM slack_installations")).scalar(),
                conn.execute(text("SELECT count(*) FROM slack_bots")).scalar())


def mention(text_: str, channel: str, ts: str = "1700000100.000100") -> dict:
    return {"type": "app_mention", "user": "U100", "text": f"<@UBOT> {text_}", "ts": ts, "channel": channel,
            "event_ts": ts}


def answered_in(fake: FakeSlack, channel: str) -> list:
    return fake.find("api", "chat.postMessage", where=lambda c: c.body.get("channel") == channel)


# -- installing ------------------------------------------------------------------------------------------

def test_the_install_page_links_to_slack_with_the_client_id_scopes_and_a_state(multi, db):
    state, cookie, query = start_install(multi)
    _, _, page, _ = get(multi, "/slack/install")
    assert "Add to Slack" in page and "Slack에 추가" in page  # English and Korean
    assert query["client_id"] == CLIENT_ID
    assert set(query["scope"].split(",")) >= {"chat:write", "commands", "app_mentions:read", "assistant:write"}
    assert query["redirect_uri"] == "https://cncf-bot.example.com/slack/oauth_redirect"
    assert cookie == f"cncf-bot-oauth-state={state}"
    with db.engine.connect() as conn:  # the state lives in the shared database: any replica can finish
        assert conn.execute(text("SELECT count(*) FROM slack_oauth_states")).scalar() >= 1


def test_a_good_redirect_stores_the_installation_and_says_so(multi, db):
    status, page = install(multi, "code-a")
    assert status == 200
    assert "cncf-bot is installed in Alpha" in page and "Alpha에 cncf-bot이 설치되었어요" in page
    assert stored(db) == (1, 1)
    exchange = multi.fake.find("api", "oauth.v2.access")
    assert len(exchange) == 1 and exchange[0].body.get("code") == "code-a"
    wait_metric(multi, "cncf_bot_installations 1")


@pytest.mark.parametrize("case", ["no code", "replayed state", "another browser", "slack refuses the code",
                                  "consent denied", "no state"])
def test_a_bad_redirect_is_a_clear_page_a_log_line_and_stores_nothing(multi, db, case, caplog):
    state, cookie, _ = start_install(multi)
    query = {"code": "code-a", "state": state}
    if case == "no code":
        query.pop("code")
    elif case == "replayed state":
        assert get(multi, "/slack/oauth_redirect?" + urlencode(query), cookie)[0] == 200
        multi.fake.add_workspace(A, TOKEN_A, "code-a2", name="Alpha")
        query["code"] = "code-a2"
    elif case == "another browser":
        other_state, _, _ = start_install(multi)
        cookie = f"cncf-bot-oauth-state={other_state}"
    elif case == "slack refuses the code":
        query["code"] = "code-nobody-issued"
    elif case == "consent denied":
        query = {"error": "access_denied", "state": state}
    elif case == "no state":
        query.pop("state")
    before = stored(db)
    with caplog.at_level(logging.WARNING, logger="cncf_bot.install"):
        status, _, page, cookies = get(multi, "/slack/oauth_redirect?" + urlencode(query), cookie)
    assert status in (200, 400, 401)
    assert "cncf-bot was not installed" in page and "cncf-bot이 설치되지 않았어요" in page
    assert "Traceback" not in page and 'href="/slack/install"' in page
    expected = {"no code": "authorization code", "replayed state": "already used",
                "another browser": "different browser", "slack refuses the code": "did not accept",
                "consent denied": "cancelled", "no state": "different browser"}[case]
    assert expected in page
    assert stored(db) == before  # nothing stored half-way (the replay's first install is `before`)
    assert any("installation failed" in r.getMessage() for r in caplog.records)
    assert all("code-a" not in r.getMessage() for r in caplog.records)  # codes stay out of the logs
    assert any("deleted" in c for c in cookies)  # the state cookie is cleared


def test_a_database_error_while_storing_keeps_nothing_and_says_so(multi, db, caplog):
    state, cookie, _ = start_install(multi)
    with db.engine.begin() as conn:  # the second of the two rows cannot be written
        conn.execute(text("ALTER TABLE slack_bots RENAME TO slack_bots_away"))
    try:
        with caplog.at_level(logging.WARNING, logger="cncf_bot.install"):
            status, _, page, _ = get(multi, "/slack/oauth_redirect?" + urlencode({"code": "code-a", "state": state}),
                                     cookie)
    finally:
        with db.engine.begin() as conn:
            conn.execute(text("ALTER TABLE slack_bots_away RENAME TO slack_bots"))
    assert status == 500 and "could not be saved" in page and "Traceback" not in page
    assert stored(db) == (0, 0)  # the installation row went back with the failed bot row
    assert any("installation failed: storage_error" in r.getMessage() for r in caplog.records)


def test_the_install_routes_do_not_exist_with_a_fixed_bot_token(engine):
    h = Harness(engine)
    try:
        assert get(h, "/slack/install")[0] == 404
        assert get(h, "/slack/oauth_redirect?code=x&state=y")[0] == 404
    finally:
        h.close()


# -- answering each workspace on its own token -------------------------------------------------------------

def test_each_workspace_is_answered_on_its_own_token(multi, db):
    assert install(multi, "code-a")[0] == 200 and install(multi, "code-b")[0] == 200
    fake = multi.fake
    assert multi.event(mention("what is keda", "CA1"), team=A)[0] == 200
    assert multi.event(mention("what is linkerd", "CB1"), team=B)[0] == 200
    post_a = fake.wait_for("api", "chat.postMessage", where=lambda c: c.body.get("channel") == "CA1")[0]
    post_b = fake.wait_for("api", "chat.postMessage", where=lambda c: c.body.get("channel") == "CB1")[0]
    assert fake.token_of(post_a) == TOKEN_A and fake.token_of(post_b) == TOKEN_B
    assert "KEDA" in post_a.body["text"] and "Linkerd" in post_b.body["text"]
    # a slash command whose work calls Slack: the subscriber's time zone is read with B's token
    status, rid = multi.command("potd subscribe 09:00", channel="CB2", team=B)
    assert status == 200
    lookups = fake.wait_for("api", "users.info")
    assert {fake.token_of(c) for c in lookups} == {TOKEN_B}
    with db.engine.connect() as conn:
        teams = conn.execute(select(Subscription.team_id)).scalars().all()
    assert teams == [B]


def test_a_second_workspace_sees_only_its_own_stats(multi, db):
    install(multi, "code-a"), install(multi, "code-b")
    for q in ("what is keda", "what is argo", "what is flux"):
        multi.event(mention(q, "CA1", ts=f"17000001{len(q)}.000100"), team=A)
    multi.fake.wait_for("api", "chat.postMessage", count=3)
    _, rid_a = multi.command("stats", channel="CA1", team=A)
    _, rid_b = multi.command("stats", channel="CB1", team=B)
    seen_a = str(multi.response(rid_a)[-1])
    seen_b = str(multi.response(rid_b)[-1])
    assert "3 questions, 3 answered" in seen_a
    assert "No questions in the last" in seen_b and "KEDA" not in seen_b
    with db.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Question).where(Question.team_id == B)).scalar() == 0


def test_a_workspace_that_never_installed_is_not_answered_with_anyone_elses_token(multi):
    install(multi, "code-a")
    assert multi.event(mention("what is keda", "CX1"), team="T0NEVER")[0] == 200
    assert multi.event(mention("what is keda", "CA1"), team=A)[0] == 200  # the installed one is
    multi.fake.wait_for("api", "chat.postMessage", where=lambda c: c.body.get("channel") == "CA1")
    time.sleep(0.3)
    assert answered_in(multi.fake, "CX1") == []
    used = {multi.fake.token_of(c) for c in multi.fake.find("api") if c.method != "oauth.v2.access"}
    assert used <= {TOKEN_A}
    # a command there is told, in both languages, where an admin can add the bot
    _, rid = multi.command("what is keda", channel="CX1", team="T0NEVER")
    told = multi.response(rid)[-1]["text"]
    assert "not installed in this workspace" in told and "설치되어 있지 않아요" in told
    assert "https://cncf-bot.example.com/slack/install" in told


def test_an_org_wide_install_answers_every_workspace_of_the_org(multi, db):
    multi.fake.add_workspace("T0ORG1", "xoxb-org", "code-org", name="Grid", enterprise_id="E0GRID", org_wide=True)
    status, page = install(multi, "code-org")
    assert status == 200 and "Grid" in page
    with db.engine.connect() as conn:
        row = conn.execute(text("SELECT enterprise_id, team_id, is_enterprise_install FROM slack_installations")).one()
    assert (row[0], row[1], bool(row[2])) == ("E0GRID", None, True)
    multi.event(mention("what is keda", "CG1"), team="T0ORG7", enterprise="E0GRID", org_wide=True)
    post = multi.fake.wait_for("api", "chat.postMessage", where=lambda c: c.body.get("channel") == "CG1")[0]
    assert multi.fake.token_of(post) == "xoxb-org"
    multi.runtime.services.question_log.flush(timeout=2)
    with db.engine.connect() as conn:  # the org's rows are kept under the org
        assert conn.execute(select(Question.team_id)).scalars().all() == ["E0GRID"]


# -- leaving -------------------------------------------------------------------------------------------------

def uninstall(h: Harness, team: str, kind: str = "app_uninstalled") -> int:
    event = {"type": kind, "event_ts": "1700000200.0"}
    if kind == "tokens_revoked":
        event["tokens"] = {"bot": ["UBOT"]}
    return h.event(event, team=team)[0]


def test_an_uninstalled_workspace_is_forgotten_and_no_longer_answered(multi, db):
    install(multi, "code-a"), install(multi, "code-b")
    assert uninstall(multi, A) == 200
    multi.fake.revoke(TOKEN_A)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM slack_installations WHERE team_id = :t"), {"t": A}).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM slack_bots WHERE team_id = :t"), {"t": A}).scalar() == 0
        assert conn.execute(select(WorkspaceDeparture.workspace_id)).scalars().all() == [A]
    multi.event(mention("what is keda", "CA1"), team=A)
    multi.event(mention("what is keda", "CB1"), team=B)
    multi.fake.wait_for("api", "chat.postMessage", where=lambda c: c.body.get("channel") == "CB1")
    time.sleep(0.3)
    assert answered_in(multi.fake, "CA1") == []
    wait_metric(multi, "cncf_bot_installations 1")


def test_revoking_the_bot_token_stops_the_daily_post(multi, db, engine):
    install(multi, "code-a"), install(multi, "code-b")
    for team, channel in ((A, "CA9"), (B, "CB9")):
        status, rid = multi.command("potd subscribe 09:00 UTC", channel=channel, team=team)
        assert status == 200 and "09:00" in str(multi.response(rid)[-1])
    assert uninstall(multi, A, "tokens_revoked") == 200
    with db.engine.connect() as conn:  # bolt's default kept the installation row; this goes past it
        assert conn.execute(text("SELECT count(*) FROM slack_installations WHERE team_id = :t"), {"t": A}).scalar() == 0
        active = dict(conn.execute(select(Subscription.team_id, Subscription.active)).all())
    assert active == {A: False, B: True}
    # a subscription left from a workspace that never installed is skipped, and said so
    with db.write() as s:
        s.add(Subscription(team_id="T0GONE", channel_id="CG9", post_time="09:00", timezone="UTC", lang="en",
                           include_sandbox=False, active=True, subscribed_by="x",
                           subscribed_at=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
                           next_post_at=dt.datetime(2026, 1, 1, 9, tzinfo=dt.timezone.utc)))
        s.execute(Subscription.__table__.update().values(
            next_post_at=dt.datetime(2026, 1, 1, 9, tzinfo=dt.timezone.utc)))
    multi.fake.reset()
    runner = PotdRunner(db, engine.catalog, None, client_for=multi.runtime.client_for)
    result = runner.run_due(dt.datetime(2026, 1, 1, 9, 0, 30, tzinfo=dt.timezone.utc))
    posts = multi.fake.find("api", "chat.postMessage")
    assert [p.body["channel"] for p in posts] == ["CB9"] and multi.fake.token_of(posts[0]) == TOKEN_B
    assert result.not_installed == ["T0GONE"] and "not installed 1" in result.summary()


def test_a_departed_workspace_is_purged_after_the_grace_period_unless_it_comes_back(multi, db):
    workspaces = multi.runtime.services.workspaces
    install(multi, "code-a"), install(multi, "code-b")
    for team, channel in ((A, "CA1"), (B, "CB1")):
        multi.command("lang ko", channel=channel, team=team)
        multi.event(mention("what is keda", channel), team=team)
    multi.fake.wait_for("api", "chat.postMessage", count=2)
    multi.runtime.services.question_log.flush(timeout=2)
    uninstall(multi, A), uninstall(multi, B)
    multi.fake.add_workspace(B, TOKEN_B, "code-b2", name="Beta")
    assert install(multi, "code-b2")[0] == 200  # B came back within the grace period

    def rows(model, team):
        with db.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(model).where(model.team_id == team)).scalar()

    assert workspaces.purge_due() == 0  # nothing is due yet
    assert rows(Question, A) == 1 and rows(UserPref, A) == 1
    workspaces.now = lambda: dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=31)
    assert workspaces.purge_due() == 1
    assert rows(Question, A) == 0 and rows(UserPref, A) == 0  # A's questions and preferences are gone
    assert rows(Question, B) == 1 and rows(UserPref, B) == 1  # B reinstalled: kept
    assert workspaces.pending_purges() == []


def test_a_retried_uninstall_event_changes_nothing_more(multi, db):
    install(multi, "code-a")
    assert uninstall(multi, A) == 200 and uninstall(multi, A) == 200
    with db.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(WorkspaceDeparture)).scalar() == 1


# -- rotation, replicas, operations -------------------------------------------------------------------------

def test_a_rotating_bot_token_is_refreshed_and_stored(multi, db):
    multi.fake.add_workspace("T0ROT", "xoxb-rot", "code-rot", name="Rotor", refresh_token="xoxe-1", expires_in=600)
    assert install(multi, "code-rot")[0] == 200
    multi.event(mention("what is keda", "CR1"), team="T0ROT")
    post = multi.fake.wait_for("api", "chat.postMessage", where=lambda c: c.body.get("channel") == "CR1")[0]
    assert multi.fake.token_of(post) == "xoxb-rot-r"  # expiring within two hours: rotated first
    with db.engine.connect() as conn:
        assert "xoxb-rot-r" in conn.execute(text("SELECT bot_token FROM slack_bots")).scalars().all()


def test_an_install_on_one_replica_is_answered_by_another(engine, db, db_url):
    fake = FakeSlack().start()
    fake.add_workspace(A, TOKEN_A, "code-a", name="Alpha")
    one = oauth_replica(engine, db, db_url, fake=fake)
    two = oauth_replica(engine, db, db_url, fake=fake)
    try:
        state, cookie, _ = start_install(one)
        status, _, _, _ = get(two, "/slack/oauth_redirect?" + urlencode({"code": "code-a", "state": state}), cookie)
        assert status == 200  # the state issued by one replica is consumed by the other
        two.event(mention("what is keda", "CA1"), team=A)
        post = fake.wait_for("api", "chat.postMessage")[0]
        assert fake.token_of(post) == TOKEN_A
    finally:
        one.close(), two.close(), fake.stop()


def test_metrics_count_requests_per_workspace_with_bounded_labels(multi):
    from bot.metrics import WORKSPACE_LABELS, BotMetrics

    install(multi, "code-a")
    multi.event(mention("what is keda", "CA1"), team=A)
    wait_metric(multi, f'cncf_bot_workspace_requests_total{{workspace="{A}"}} 1')
    m = BotMetrics()
    for i in range(WORKSPACE_LABELS + 50):
        m.count_workspace(f"T{i:06d}")
    m.count_workspace("not-a-team-id")
    assert len({k for k in m.workspace_requests._values}) == WORKSPACE_LABELS + 1
    assert m.workspace_requests.value(workspace="other") == 51


def test_oauth_settings_are_checked_at_start():
    from bot.config import ConfigError

    base = {"SLACK_SIGNING_SECRET": "s", "SLACK_CLIENT_ID": CLIENT_ID}
    with pytest.raises(ConfigError, match="SLACK_CLIENT_SECRET"):
        Config.from_env(base)
    with pytest.raises(ConfigError, match="Socket Mode serves one workspace"):
        Config.from_env(base | {"SLACK_CLIENT_SECRET": "x", "SLACK_APP_TOKEN": "xapp-1"})
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        Config.from_env({"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": "x"})
    with pytest.raises(ConfigError, match="UNINSTALL_GRACE_DAYS"):
        Config.from_env(base | {"SLACK_CLIENT_SECRET": "x", "UNINSTALL_GRACE_DAYS": "soon"})
    with pytest.raises(ConfigError, match="SLACK_REDIRECT_URI"):
        Config.from_env(base | {"SLACK_CLIENT_SECRET": "x", "SLACK_REDIRECT_URI": "cncf-bot.example.com"})
    ok = Config.from_env(base | {"SLACK_CLIENT_SECRET": "x"})
    assert ok.oauth and ok.uninstall_grace_days == 30
    # a bot token means one workspace, as before, whatever else is set
    single = Config.from_env(base | {"SLACK_CLIENT_SECRET": "x", "SLACK_BOT_TOKEN": "xoxb-1"})
    assert not single.oauth


def test_the_app_home_and_the_assistant_use_the_workspace_token(multi):
    install(multi, "code-a"), install(multi, "code-b")
    fake = multi.fake
    multi.event({"type": "app_home_opened", "user": "U200", "channel": "D200", "tab": "home"}, team=B)
    home = fake.wait_for("api", "views.publish")[0]
    assert fake.token_of(home) == TOKEN_B
    multi.event({"type": "assistant_thread_started", "assistant_thread": {
        "user_id": "U100", "context": {"channel_id": "CA1", "team_id": A}, "channel_id": "DA1",
        "thread_ts": "1700001000.000100"}, "event_ts": "1700001000.000200"}, team=A)
    prompts = fake.wait_for("api", "assistant.threads.setSuggestedPrompts")[0]
    assert fake.token_of(prompts) == TOKEN_A
    multi.event({"type": "message", "channel_type": "im", "user": "U100", "text": "what is keda",
                 "ts": "1700001001.000100", "thread_ts": "1700001000.000100", "channel": "DA1",
                 "event_ts": "1700001001.000100"}, team=A)
    greeting, answer = fake.wait_for("api", "chat.postMessage", count=2,
                                     where=lambda c: c.body.get("channel") == "DA1")[:2]
    assert fake.token_of(greeting) == fake.token_of(answer) == TOKEN_A and "KEDA" in answer.body["text"]
    statuses = fake.find("api", "assistant.threads.setStatus")
    assert statuses, " ".join(c.method for c in fake.calls)
    assert {fake.token_of(c) for c in statuses} == {TOKEN_A}


def test_doctor_checks_the_oauth_settings_and_every_installed_workspace_without_printing_tokens(multi, db_url):
    from bot.doctor import run_checks

    install(multi, "code-a"), install(multi, "code-b")
    multi.fake.revoke(TOKEN_B)  # B's token stopped working (no event came)
    env = OAUTH | {"SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": multi.fake.api_url, "DATABASE_URL": db_url}
    report = run_checks(env)
    lines = [c.line() for c in report.checks]
    text_ = "\n".join(lines)
    assert any(line.startswith("ok") and "oauth settings" in line and "https://cncf-bot.example.com" in line
               for line in lines)
    assert any(line.startswith("ok") and "2 workspace(s) installed" in line for line in lines)
    assert any(line.startswith("ok") and f"workspace {A} (Alpha)" in line for line in lines)
    assert any(line.startswith("PROBLEM") and f"workspace {B} (Beta)" in line and "invalid_auth" in line
               for line in lines)
    assert TOKEN_A not in text_ and TOKEN_B not in text_ and "client-secret" not in text_
    assert report.exit_code() == 1
    http = run_checks(env | {"PUBLIC_URL": "http://cncf-bot.example.com"})
    assert any(c.name == "oauth settings" and not c.ok and "not https" in c.detail for c in http.checks)
    local = run_checks(env | {"PUBLIC_URL": "http://localhost:3000"})
    assert any(c.name == "oauth settings" and c.ok for c in local.checks)


def test_the_potd_run_cronjob_posts_on_each_workspace_token_and_reports_the_uninstalled(multi, db, db_url):
    import os
    import subprocess
    import sys
    from pathlib import Path

    install(multi, "code-a"), install(multi, "code-b")
    for team, channel in ((A, "CA9"), (B, "CB9")):
        status, rid = multi.command("potd subscribe 09:00 UTC", channel=channel, team=team)
        assert status == 200 and "09:00" in str(multi.response(rid)[-1])
    uninstall(multi, B)  # B leaves: its subscription stops
    with db.write() as s:  # and one from a workspace that never installed (a token-mode leftover)
        s.add(Subscription(team_id="T0GONE", channel_id="CG9", post_time="09:00", timezone="UTC", lang="en",
                           include_sandbox=False, active=True, subscribed_by="x",
                           subscribed_at=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)))
        s.execute(Subscription.__table__.update().values(
            next_post_at=dt.datetime(2026, 1, 1, 9, tzinfo=dt.timezone.utc)))
    multi.fake.reset()
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env |= OAUTH | {"DATABASE_URL": db_url, "SLACK_API_URL": multi.fake.api_url, "PYTHONPATH": str(root)}
    env.pop("SLACK_BOT_TOKEN")
    p = subprocess.run([sys.executable, "-m", "bot.cli", "potd", "run", "--at", "2026-01-01T09:00:30+00:00"],
                       env=env, cwd=root, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    posts = multi.fake.find("api", "chat.postMessage")
    assert [(c.body["channel"], multi.fake.token_of(c)) for c in posts] == [("CA9", TOKEN_A)]
    assert "posted 1" in p.stdout and "not installed 1 (workspaces T0GONE" in p.stdout


# -- what a review found --------------------------------------------------------------------------------------

def test_uninstall_and_revocation_arriving_together_both_succeed(multi, db):
    import threading

    workspaces = multi.runtime.services.workspaces
    errors = []
    for i in range(10):
        team = f"T0RACE{i}"
        multi.fake.add_workspace(team, f"xoxb-race-{i}", f"code-race-{i}", name=f"Race {i}")
        assert install(multi, f"code-race-{i}")[0] == 200

        def leave(reason, team=team):
            try:
                workspaces.left(enterprise_id=None, team_id=team, is_enterprise_install=False, reason=reason)
            except Exception as exc:  # noqa: BLE001 - the test reports it
                errors.append(exc)

        pair = [threading.Thread(target=leave, args=(r,)) for r in ("app_uninstalled", "tokens_revoked")]
        [t.start() for t in pair]
        [t.join() for t in pair]
    assert errors == []
    with db.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(WorkspaceDeparture)).scalar() == 10


def test_a_workspace_of_an_org_leaving_keeps_the_org_wide_install(multi, db):
    multi.fake.add_workspace("T0ORG1", "xoxb-org", "code-org", name="Grid", enterprise_id="E0GRID", org_wide=True)
    multi.fake.add_workspace("T0ORG2", "xoxb-org2", "code-org2", name="Grid team", enterprise_id="E0GRID")
    assert install(multi, "code-org")[0] == 200 and install(multi, "code-org2")[0] == 200
    multi.event({"type": "app_uninstalled", "event_ts": "1.0"}, team="T0ORG2", enterprise="E0GRID")
    with db.engine.connect() as conn:
        left = conn.execute(text("SELECT enterprise_id, team_id FROM slack_bots")).all()
    assert [tuple(r) for r in left] == [("E0GRID", None)]
    multi.event(mention("what is keda", "CG1"), team="T0ORG7", enterprise="E0GRID", org_wide=True)
    post = multi.fake.wait_for("api", "chat.postMessage", where=lambda c: c.body.get("channel") == "CG1")[0]
    assert multi.fake.token_of(post) == "xoxb-org"


def test_two_redirects_with_one_state_install_once(multi, db):
    from concurrent.futures import ThreadPoolExecutor

    state, cookie, _ = start_install(multi)
    multi.fake.add_workspace(A, TOKEN_A, "code-a-again", name="Alpha")
    paths = ["/slack/oauth_redirect?" + urlencode({"code": c, "state": state}) for c in ("code-a", "code-a-again")]
    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(r[0] for r in pool.map(lambda p: get(multi, p, cookie), paths))
    assert statuses[0] == 200 and statuses[1] != 200
    assert stored(db) == (1, 1)


def test_expired_install_links_are_pruned(multi, db):
    workspaces = multi.runtime.services.workspaces
    for _ in range(3):
        start_install(multi)
    assert workspaces.prune_states() == 0  # all still within their ten minutes
    workspaces.now = lambda: dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=11)
    assert workspaces.prune_states() == 3


def test_a_refused_token_refresh_is_not_installed_and_the_others_still_post(multi, db, engine):
    multi.fake.add_workspace("T0ROT", "xoxb-rot", "code-rot", name="Rotor", refresh_token="xoxe-1", expires_in=600)
    install(multi, "code-rot"), install(multi, "code-a")
    multi.fake.refreshes.clear()  # Slack no longer accepts the refresh token
    workspaces = multi.runtime.services.workspaces
    assert workspaces.token("T0ROT") is None
    assert workspaces.token(A) == TOKEN_A


def test_org_wide_payloads_with_a_fixed_token_keep_their_rows_under_the_team(engine):
    from handlers.workspace import workspace_of

    body = {"team_id": "T1", "enterprise_id": "E1", "is_enterprise_install": "true"}
    assert workspace_of(body, "T1") == "T1"  # outside a request of the multi-workspace mode
    h = Harness(engine)
    try:
        status, rid = h.command("what is keda", team="T0TEAM", enterprise="E0ORG", org_wide=True)
        assert status == 200 and "KEDA" in str(h.response(rid)[-1])
        assert [q.team_id for q in h.services.questions] == ["T0TEAM"]  # as before the multi-workspace mode
    finally:
        h.close()
