"""What an operator meets at start-up: each fixable failure is one line naming what to fix and
the documented exit code, never a traceback; a good start prints no misleading warning."""
from __future__ import annotations

import signal
import socket
import subprocess
import sys

import pytest

from tests.bot.test_logs import clean_env, free_port, wait_until_serving
from tests.fakeslack import FakeSlack


def serve(env: dict, cwd, wait: float = 30):
    return subprocess.run([sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1"], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=wait)


def base_env(tmp_path, **extra) -> dict:
    return clean_env(SLACK_BOT_TOKEN="xoxb-1-2-abcdef", SLACK_SIGNING_SECRET="s3cret",
                     DATABASE_URL=f"sqlite:///{tmp_path / 'bot.sqlite3'}", PORT=str(free_port())) | extra


def one_clear_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.startswith("cncf-bot:")]
    assert len(lines) == 1, stderr
    return lines[0]


def test_slack_unreachable_at_start(tmp_path):
    p = serve(base_env(tmp_path, SLACK_API_URL=f"http://127.0.0.1:{free_port()}/"), tmp_path)
    assert p.returncode == 1
    assert "cannot reach Slack" in one_clear_line(p.stderr)


@pytest.mark.parametrize("url,word", [("mysql://u:p@db/cncf", "does not support"),
                                      ("ftp://example.org/x", "does not support"),
                                      ("not a url", "database URL")])
def test_an_unsupported_database_url_names_the_setting(tmp_path, url, word):
    p = serve(base_env(tmp_path, DATABASE_URL=url), tmp_path)
    assert p.returncode == 2
    line = one_clear_line(p.stderr)
    assert "DATABASE_URL" in line and word in line and "u:p" not in line


def test_a_busy_port_is_one_line(tmp_path):
    fake = FakeSlack().start()
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    try:
        env = base_env(tmp_path, SLACK_API_URL=fake.api_url, PORT=str(busy.getsockname()[1]))
        p = serve(env, tmp_path)
    finally:
        busy.close()
        fake.stop()
    assert p.returncode == 1
    assert "cannot listen" in one_clear_line(p.stderr)


def test_a_good_start_has_no_token_will_be_unused_warning(tmp_path):
    fake = FakeSlack().start()
    env = base_env(tmp_path, SLACK_API_URL=fake.api_url)
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1"], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until_serving(proc, int(env["PORT"]))
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        fake.stop()
    assert "will be unused" not in err + out
