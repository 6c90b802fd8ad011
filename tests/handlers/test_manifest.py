"""slack-manifest.yml: what the handlers listen to, and no scope more than they need."""
from __future__ import annotations

from pathlib import Path

import yaml

MANIFEST = Path(__file__).resolve().parents[2] / "slack-manifest.yml"


def test_manifest_matches_the_app():
    m = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    (cmd,) = m["features"]["slash_commands"]
    assert cmd["command"] == "/cncf"
    assert set(m["settings"]["event_subscriptions"]["bot_events"]) == {
        "app_mention", "message.channels", "message.groups", "message.im", "message.mpim", "app_home_opened",
        "assistant_thread_started", "assistant_thread_context_changed", "app_uninstalled", "tokens_revoked"}
    assert all(u.endswith("/slack/oauth_redirect") for u in m["oauth_config"]["redirect_urls"])
    assert m["features"]["assistant_view"]["assistant_description"]
    assert set(m["oauth_config"]["scopes"]["bot"]) == {"app_mentions:read", "assistant:write", "channels:history",
                                                       "chat:write",
                                                       "commands", "groups:history", "im:history", "mpim:history",
                                                       "users:read"}
    assert m["settings"]["interactivity"]["is_enabled"] is True
    assert m["features"]["app_home"]["home_tab_enabled"] is True
    for url in (cmd["url"], m["settings"]["event_subscriptions"]["request_url"],
                m["settings"]["interactivity"]["request_url"]):
        assert url.endswith("/slack/events")
