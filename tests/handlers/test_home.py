"""The App Home tab, published when someone opens it."""
from __future__ import annotations

from handlers.blocks import A_OPEN
from tests.handlers.harness import all_text, find_blocks


def home_opened(user="U100", tab="home"):
    return {"type": "app_home_opened", "user": user, "channel": "D100", "tab": tab,
            "event_ts": "1700000000.000100"}


def test_home_is_published_with_examples_potd_trail_and_date(slack, catalog):
    slack.event(home_opened())
    (call,) = slack.fake.wait_for("api", "views.publish")
    assert call.body["user_id"] == "U100"
    view = call.body["view"]
    view = view if isinstance(view, dict) else __import__("json").loads(view)
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    text = all_text(view["blocks"])
    assert "what is linkerd" in text and "쿠버네티스가 뭐야?" in text  # examples in both languages
    assert "KEDA" in text  # the services' project of the day
    assert catalog.source.data_date in text
    steps = [b for b in find_blocks(view["blocks"], A_OPEN) if b["block_id"] == "home:trail"]
    assert len(steps) == 10


def test_home_follows_the_preferred_language(slack):
    slack.services.langs["U100"] = "ko"
    slack.event(home_opened())
    (call,) = slack.fake.wait_for("api", "views.publish")
    assert "오늘의 프로젝트" in str(call.body["view"])


def test_home_without_project_of_the_day(slack):
    slack.services.potd = None
    try:
        slack.event(home_opened())
        (call,) = slack.fake.wait_for("api", "views.publish")
        assert "No project of the day" in str(call.body["view"])
    finally:
        slack.services.potd = "keda"


def test_messages_tab_does_not_publish(slack):
    slack.event(home_opened(tab="messages"))
    slack.event(home_opened(user="U101"))
    calls = slack.fake.wait_for("api", "views.publish")
    assert [c.body["user_id"] for c in calls] == ["U101"]
