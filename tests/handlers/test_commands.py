"""/cncf over real HTTP: ack at once, the answer arrives on the response_url."""
from __future__ import annotations

import json

from handlers.blocks import A_SHARE, MAX_BLOCKS
from tests.handlers.harness import all_text, find_blocks, wait_metric


def answer(slack, text, **kw):
    status, rid = slack.command(text, **kw)
    assert status == 200
    return slack.response(rid)[0]


def test_question_is_answered_ephemerally_with_a_share_button(slack):
    msg = answer(slack, "what is linkerd")
    assert msg["response_type"] == "ephemeral"
    assert msg["text"].startswith("Linkerd")
    assert msg["blocks"][0]["type"] == "header" and "Linkerd" in msg["blocks"][0]["text"]["text"]
    share = find_blocks(msg["blocks"], A_SHARE)
    assert json.loads(share[0]["value"]) == {"q": "what is linkerd", "l": "en"}
    assert len(msg["blocks"]) <= MAX_BLOCKS


def test_each_question_is_logged_once_with_latency(slack):
    answer(slack, "jaeger vs opentracing")
    (rec,) = slack.services.questions
    assert (rec.source, rec.intent, rec.lang, rec.answered) == ("command", "compare", "en", True)
    assert rec.user_id == "U100" and rec.channel_id == "C100" and rec.latency_ms >= 0


def test_korean_question_gets_a_korean_answer(slack):
    msg = answer(slack, "쿠버네티스가 뭐야?")
    assert "쿠버네티스" in all_text(msg["blocks"]) or "졸업" in all_text(msg["blocks"])
    assert json.loads(find_blocks(msg["blocks"], A_SHARE)[0]["value"])["l"] == "ko"


def test_preferred_language_wins_over_the_question(slack):
    slack.services.langs["U100"] = "ko"
    msg = answer(slack, "what is linkerd")
    assert "졸업" in msg["blocks"][0]["text"]["text"]
    assert slack.services.questions[0].lang == "ko"


def test_help_lists_the_subcommands(slack):
    msg = answer(slack, "help")
    text = all_text(msg["blocks"])
    for sub in ("compare A B", "trail", "list", "recommend", "about", "/cncf lang", "/cncf potd"):
        assert sub in text
    assert not find_blocks(msg["blocks"], A_SHARE)


def test_empty_command_shows_help(slack):
    assert "/cncf compare A B" in all_text(answer(slack, "")["blocks"])


def test_compare_subcommand(slack):
    msg = answer(slack, "compare argo flux")
    assert "Argo" in msg["blocks"][0]["text"]["text"] and "Flux" in msg["blocks"][0]["text"]["text"]
    assert slack.services.questions[0].intent == "compare"


def test_compare_needs_two_names(slack):
    assert "Usage" in answer(slack, "compare argo")["text"]


def test_trail_subcommand(slack):
    assert "3" in answer(slack, "trail 3")["blocks"][0]["text"]["text"]
    overview = answer(slack, "trail")
    assert "Trail Map" in overview["blocks"][0]["text"]["text"]
    assert "Usage" in answer(slack, "trail 42")["text"]


def test_list_subcommand_with_maturity_and_category(slack):
    msg = answer(slack, "list graduated")
    assert "Graduated" in all_text(msg["blocks"])
    msg = answer(slack, "list incubating observability and analysis")
    assert "Observability and Analysis" in msg["blocks"][0]["text"]["text"]
    assert "Usage" in answer(slack, "list graduated no-such-category")["text"]


def test_recommend_subcommand(slack):
    msg = answer(slack, "recommend tracing")
    assert slack.services.questions[0].intent == "recommend"
    assert "Jaeger" in all_text(msg["blocks"]) or "OpenTelemetry" in all_text(msg["blocks"])


def test_about_names_version_data_date_and_license(slack, catalog):
    text = all_text(answer(slack, "about")["blocks"])
    assert "cncf-bot" in text and catalog.source.data_date in text and "CC-BY-4.0" in text


def test_services_subcommands_are_routed_to_the_services(slack):
    slack.services.langs["U100"] = "ko"
    msg = answer(slack, "lang ko")
    assert msg["text"] == "ran lang"
    assert slack.services.ran == [("lang", "ko", "U100", "ko")]
    assert slack.services.questions == []


def test_unknown_question_still_answers_and_is_logged_unanswered(slack):
    msg = answer(slack, "qwertyuiop zxcvbnm")
    assert msg["blocks"] and msg["text"]
    assert slack.services.questions[0].answered is False


def test_fast_answers_ride_in_the_ack(slack):
    status, rid = slack.command("what is envoy")
    assert status == 200 and "Envoy" in slack.acks[rid]["text"]
    assert slack.fake.find("response") == []


def test_slow_answers_follow_on_the_response_url(slack):
    slack.services.release.clear()
    status, rid = slack.command("slow")
    assert status == 200 and rid not in slack.acks  # an empty ack within the budget
    slack.services.release.set()
    (msg,) = slack.response(rid)
    assert msg["text"] == "ran slow" and msg["response_type"] == "ephemeral"


def test_response_url_failure_is_counted(slack):
    slack.fake.fail("response", status=404, error="expired_url")
    slack.services.release.clear()
    status, rid = slack.command("slow")
    assert status == 200
    slack.services.release.set()
    wait_metric(slack, 'cncf_bot_slack_api_errors_total{method="response_url",error="404"} 1')


def test_a_failing_listener_apologizes_and_logs_the_traceback(slack, caplog):
    msg = answer(slack, "boom")
    assert msg["text"].startswith("Sorry") and "죄송" in msg["text"]
    assert any(r.exc_info and "a bug in a subcommand" in str(r.exc_info[1]) for r in caplog.records)
