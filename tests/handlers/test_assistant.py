"""Slack's assistant surface through the real server: suggested prompts, status, title, answers and
follow-ups in assistant threads; a plan without the feature costs the answers nothing."""
from __future__ import annotations

import time

ASSISTANT_CHANNEL = "D0ASSIST"
THREAD = "1700001000.000100"


def started(slack, user="U100", thread=THREAD):
    return slack.event({"type": "assistant_thread_started", "assistant_thread": {
        "user_id": user, "context": {"channel_id": "C100", "team_id": "T0001"}, "channel_id": ASSISTANT_CHANNEL,
        "thread_ts": thread}, "event_ts": "1700001000.000200"})


def user_says(slack, text, ts, user="U100", thread=THREAD):
    return slack.event({"type": "message", "channel_type": "im", "user": user, "text": text, "ts": ts,
                        "thread_ts": thread, "channel": ASSISTANT_CHANNEL, "event_ts": ts})


def answers(slack, thread=THREAD):
    return [m for m in slack.fake.posts(ASSISTANT_CHANNEL) if m.get("thread_ts") == thread]


def wait_answers(slack, n, thread=THREAD):
    deadline = time.monotonic() + 10
    while len(found := answers(slack, thread)) < n:
        assert time.monotonic() < deadline, f"{len(found)} posts in the assistant thread"
        time.sleep(0.02)
    return found


def test_thread_started_suggests_prompts_in_the_persons_language(slack):
    slack.fake.reset()
    started(slack)
    (call,) = slack.fake.wait_for("api", "assistant.threads.setSuggestedPrompts")
    import json

    prompts = call.body["prompts"] if isinstance(call.body["prompts"], list) else json.loads(call.body["prompts"])
    assert call.body["channel_id"] == ASSISTANT_CHANNEL and call.body["thread_ts"] == THREAD
    assert len(prompts) >= 3 and all(p["title"] and p["message"] for p in prompts)
    assert all(p["message"].isascii() for p in prompts)  # English by default
    (hello,) = wait_answers(slack, 1)
    assert "CNCF" in hello["text"]
    slack.fake.reset()
    slack.fake.users["U555"] = {"id": "U555", "locale": "ko-KR"}
    started(slack, user="U555", thread="1700001500.000100")
    (call,) = slack.fake.wait_for("api", "assistant.threads.setSuggestedPrompts")
    wait_answers(slack, 1, thread="1700001500.000100")
    prompts = call.body["prompts"] if isinstance(call.body["prompts"], list) else json.loads(call.body["prompts"])
    assert any(not p["message"].isascii() for p in prompts)  # Korean for a Korean locale


def test_a_question_sets_status_and_title_and_follow_ups_use_the_thread(slack):
    slack.fake.reset()
    thread = "1700001600.000100"
    user_says(slack, "what is istio", "1700001001.1", thread=thread)
    (first,) = wait_answers(slack, 1, thread)
    assert "Istio" in first["text"] and first["metadata"]["event_type"] == "cncf_bot_answer"
    assert first["blocks"][-1]["type"] == "context_actions"
    (status,) = slack.fake.find("api", "assistant.threads.setStatus")
    assert status.body["thread_ts"] == thread and status.body["status"]
    (title,) = slack.fake.find("api", "assistant.threads.setTitle")
    assert title.body["title"] == "what is istio"
    user_says(slack, "그거 졸업했어?", "1700001002.1", thread=thread)
    second = wait_answers(slack, 2, thread)[-1]
    assert "Istio" in second["text"]
    assert len(slack.fake.find("api", "assistant.threads.setTitle")) == 1  # the title comes from the first question


def test_without_the_assistant_feature_answers_still_arrive(slack):
    slack.fake.reset()
    slack.fake.fail("assistant.threads.setStatus", error="not_allowed_token_type")
    slack.fake.fail("assistant.threads.setTitle", error="not_allowed_token_type")
    user_says(slack, "what is keda", "1700001101.1", thread="1700001700.000100")
    (post,) = wait_answers(slack, 1, "1700001700.000100")
    assert "KEDA" in post["text"]
