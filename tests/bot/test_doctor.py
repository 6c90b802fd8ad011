"""`cncf-bot doctor` against the fake Slack API, real SQLite files and a closed PostgreSQL port."""
from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.doctor import REQUIRED_SCOPES, run_checks
from knowledge.loader import DATA_DIR
from tests.fakeslack import FakeSlack

ROOT = Path(__file__).resolve().parents[2]
BOT_TOKEN = "xoxb-1-2-doctortoken"


@pytest.fixture
def fake():
    f = FakeSlack().start()
    yield f
    f.stop()


@pytest.fixture(scope="module")
def migrated_db(tmp_path_factory) -> str:
    from bot.db import Database, upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'bot.sqlite3'}"
    db = Database(url)
    upgrade(db)
    db.dispose()
    return url


@pytest.fixture
def env(fake, migrated_db) -> dict:
    return {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": "doctor-signing-secret",
            "SLACK_API_URL": fake.api_url, "DATABASE_URL": migrated_db}


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def by_name(report) -> dict:
    return {c.name: c for c in report.checks}


def problems(report) -> list[str]:
    return [c.line() for c in report.checks if not c.ok and not c.skipped]


def test_all_good(env):
    report = run_checks(env)
    assert problems(report) == [] and report.exit_code() == 0
    assert list(by_name(report)) == ["configuration", "slack auth.test", "slack scopes", "database", "knowledge"]
    assert "@cncf-bot" in by_name(report)["slack auth.test"].detail


def test_the_command_prints_one_line_per_check_and_exits_0(env):
    p = subprocess.run([sys.executable, "-m", "bot.cli", "doctor"], capture_output=True, text=True, timeout=120, check=False,
                       env={k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
                       | env | {"LOG_FORMAT": "json", "PYTHONPATH": str(ROOT)})
    assert p.returncode == 0, p.stdout + p.stderr
    lines = p.stdout.splitlines()
    assert [line.split()[0] for line in lines[:-1]] == ["ok"] * 5
    assert lines[-1] == "all is well."


def test_invalid_token_is_named_with_the_fix(env, fake):
    fake.fail("auth.test", error="invalid_auth")
    report = run_checks(env)
    assert report.exit_code() == 1
    (line,) = problems(report)
    assert "invalid_auth" in line and "SLACK_BOT_TOKEN" in line and "OAuth & Permissions" in line
    assert by_name(report)["slack scopes"].skipped
    assert BOT_TOKEN not in line


def test_invalid_token_through_the_command_exits_non_zero(env, fake):
    fake.fail("auth.test", error="invalid_auth")
    p = subprocess.run([sys.executable, "-m", "bot.cli", "doctor"], capture_output=True, text=True, timeout=120, check=False,
                       env={k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
                       | env | {"PYTHONPATH": str(ROOT)})
    assert p.returncode == 1
    assert any(line.startswith("PROBLEM slack auth.test") and "invalid_auth" in line for line in p.stdout.splitlines())


def test_a_missing_scope_is_named(env, fake):
    fake.scopes = "app_mentions:read,assistant:write,channels:history,chat:write,commands,groups:history,mpim:history,users:read"
    report = run_checks(env)
    (line,) = problems(report)
    assert line.startswith("PROBLEM slack scopes") and "lacks im:history" in line and "reinstall" in line
    assert report.exit_code() == 1


def test_no_scopes_header_is_a_problem(env, fake):
    fake.scopes = None
    (line,) = problems(run_checks(env))
    assert "x-oauth-scopes" in line


def test_slack_unreachable(env):
    report = run_checks(env | {"SLACK_API_URL": f"http://127.0.0.1:{closed_port()}/api/"})
    (line,) = problems(report)
    assert "cannot reach Slack" in line and "SLACK_API_URL" in line


def test_socket_mode_checks_the_app_token(env, fake):
    report = run_checks(env | {"SLACK_APP_TOKEN": "xapp-1-A1-2-abc"})
    assert by_name(report)["slack socket mode"].ok and report.exit_code() == 0
    fake.fail("apps.connections.open", error="invalid_auth")
    (line,) = problems(run_checks(env | {"SLACK_APP_TOKEN": "xapp-1-A1-2-abc"}))
    assert "SLACK_APP_TOKEN" in line and "connections:write" in line


def test_database_unreachable(env):
    url = f"postgresql+psycopg://cncf:do-not-show@127.0.0.1:{closed_port()}/cncf"
    report = run_checks(env | {"DATABASE_URL": url})
    (line,) = problems(report)
    assert line.startswith("PROBLEM database: cannot connect to postgresql+psycopg://cncf:") and "DATABASE_URL" in line
    assert "do-not-show" not in line
    assert report.exit_code() == 1


def test_database_without_schema_says_upgrade(env, tmp_path):
    path = tmp_path / "empty.sqlite3"
    sqlite3.connect(path).close()
    (line,) = problems(run_checks(env | {"DATABASE_URL": f"sqlite:///{path}"}))
    assert "no schema yet" in line and "run cncf-bot db upgrade" in line


def test_missing_sqlite_file_is_not_created(env, tmp_path):
    path = tmp_path / "nope.sqlite3"
    (line,) = problems(run_checks(env | {"DATABASE_URL": f"sqlite:///{path}"}))
    assert "does not exist" in line and "run cncf-bot db upgrade" in line
    assert not path.exists()


def test_database_from_a_newer_release(env, tmp_path, migrated_db):
    path = tmp_path / "newer.sqlite3"
    shutil.copy(migrated_db.removeprefix("sqlite:///"), path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffff9999'")
    (line,) = problems(run_checks(env | {"DATABASE_URL": f"sqlite:///{path}"}))
    assert "ffff9999" in line and "does not know" in line


def test_configuration_error_exits_2_and_still_checks_the_rest(env):
    report = run_checks({k: v for k, v in env.items() if k != "SLACK_SIGNING_SECRET"})
    assert report.exit_code() == 2
    (line,) = problems(report)
    assert line.startswith("PROBLEM configuration: SLACK_SIGNING_SECRET")
    assert by_name(report)["database"].ok and by_name(report)["knowledge"].ok


def test_bad_knowledge_data_dir(env, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    concept = next((data / "concepts").glob("*.yaml"))
    concept.write_text(concept.read_text(encoding="utf-8").replace("id:", "idd:", 1), encoding="utf-8")
    (line,) = problems(run_checks(env, data_dir=data))
    assert line.startswith("PROBLEM knowledge:") and concept.name in line
    assert f"cncf-bot knowledge check --data-dir {data}" in line


def test_required_scopes_match_the_manifest():
    manifest = yaml.safe_load((ROOT / "slack-manifest.yml").read_text(encoding="utf-8"))
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(REQUIRED_SCOPES)
