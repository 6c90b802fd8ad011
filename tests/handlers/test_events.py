"""Mentions and DMs: answered once, in the right place; bots, edits and joins ignored."""
from __future__ import annotations

from tests.fakeslack import BOT_ID, BOT_USER_ID
from tests.handlers.harness import wait_metric


def mention(text, ts="1700000001.000100", **extra):
    return {"type": "app_mention", "user": "U100", "text": f"<@{BOT_USER_ID}> {text}", "ts": ts,
            "channel": "C100", "event_ts": ts} | extra


def dm(text, ts="1700000002.000100", **extra):
    return {"type": "message", "channel_type": "im", "user": "U100", "text": text, "ts": ts, "channel": "D100",
            "event_ts": ts} | extra


def settle(slack):
    """Send a harmless DM and wait for its answer.

    Duplicates and ignored events are dropped while Slack's request is handled (middleware and
    listener matchers), before the 200 goes back; so once they were acked and this later DM was
    answered, nothing else is on its way.
    """
    slack.event(dm("what is envoy", ts="1700000999.000100"))
    slack.fake.wait_for("api", "chat.postMessage", where=lambda c: c.body.get("channel") == "D100"
                        and "Envoy" in c.body.get("text", ""))


def test_mention_is_answered_in_a_thread(slack):
    status, eid = slack.event(mention("what is linkerd"))
    assert status == 200
    (call,) = slack.fake.wait_for("api", "chat.postMessage")
    assert call.body["channel"] == "C100" and call.body["thread_ts"] == "1700000001.000100"
    assert "Linkerd" in call.body["text"]
    rec = slack.services.questions[0]
    assert (rec.source, rec.question) == ("mention", "what is linkerd")


def test_mention_inside_a_thread_stays_in_that_thread(slack):
    slack.event(mention("what is keda", ts="1700000003.000200", thread_ts="1700000000.000001"))
    (call,) = slack.fake.wait_for("api", "chat.postMessage")
    assert call.body["thread_ts"] == "1700000000.000001"


def test_retried_delivery_is_answered_once(slack):
    status, eid = slack.event(mention("what is envoy"))
    assert status == 200
    for n in (1, 2, 3):
        status, _ = slack.event(mention("what is envoy"), event_id=eid, retry=n)
        assert status == 200
    # the same event id again, without retry headers (e.g. a redelivery): still once
    slack.event(mention("what is envoy"), event_id=eid)
    slack.fake.wait_for("api", "chat.postMessage", where=lambda c: c.body.get("channel") == "C100")
    settle(slack)
    posts = slack.fake.find("api", "chat.postMessage", where=lambda c: c.body.get("channel") == "C100")
    assert len(posts) == 1


def test_a_retry_whose_first_delivery_never_arrived_is_answered(slack):
    body_status, headers, _ = slack.post_slack(b'{"type":"event_callback","event_id":"EvRETRY","team_id":"T0001",'
                                                b'"event":{"type":"app_mention","user":"U1","text":"<@UBOT> hi",'
                                                b'"channel":"C1","ts":"1700000100.2"}}', "application/json",
                                                {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert body_status == 200 and "x-slack-no-retry" not in headers  # Slack may try again if we fail
    (call,) = slack.fake.wait_for("api", "chat.postMessage")
    assert call.body["channel"] == "C1" and call.body["thread_ts"] == "1700000100.2"


def test_direct_message_is_answered_in_the_dm(slack):
    slack.event(dm("쿠버네티스가 뭐야?"))
    (call,) = slack.fake.wait_for("api", "chat.postMessage")
    assert call.body["channel"] == "D100" and "thread_ts" not in call.body
    assert slack.services.questions[0].source == "dm" and slack.services.questions[0].lang == "ko"


def test_bot_messages_edits_joins_and_channel_messages_are_ignored(slack):
    ignored = [
        dm("what is linkerd", bot_id=BOT_ID, user=None),
        dm("what is linkerd", subtype="bot_message", bot_id="B999"),
        dm("what is linkerd", subtype="message_changed"),
        dm("what is linkerd", subtype="channel_join"),
        dm("what is linkerd", edited={"user": "U100", "ts": "1.0"}),
        dm("what is linkerd", channel_type="channel", channel="C100"),  # message.channels: the mention listener's job
        mention("what is linkerd", bot_id="B999"),
    ]
    for ev in ignored:
        assert slack.event(ev)[0] == 200
    settle(slack)
    posts = slack.fake.find("api", "chat.postMessage")
    assert len(posts) == 1 and posts[0].body["channel"] == "D100"  # only settle()'s own answer


def test_hostile_mention_text_never_pings(slack):
    text = "<!channel> <!here> <@U123> & <#C999> what is linkerd?"
    slack.event(mention(text))
    (call,) = slack.fake.wait_for("api", "chat.postMessage")
    blob = call.body["text"] + str(call.body.get("blocks"))
    for control in ("<!channel>", "<!here>", "<@U123>", "<#C999>"):
        assert control not in blob


def test_failed_post_is_logged_and_counted(slack):
    slack.fake.fail("chat.postMessage", error="not_in_channel")
    slack.event(mention("what is linkerd"))
    (call,) = slack.fake.wait_for("api", "chat.postMessage")
    assert call.status == 200  # ok:false inside a 200, as Slack does
    wait_metric(slack, 'cncf_bot_slack_api_errors_total{method="chat.postMessage",error="not_in_channel"} 1')
