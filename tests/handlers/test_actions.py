"""Buttons and menus, clicked the way Slack sends them back; each answers in the card's language."""
from __future__ import annotations

import json

from handlers.blocks import A_COMPARE, A_LINK, A_MORE, A_OPEN, A_SHARE
from tests.handlers.harness import all_text, find_blocks


def ask(slack, text):
    status, rid = slack.command(text)
    assert status == 200
    return slack.response(rid)[0]


def click(slack, element, **kw):
    action = {"type": element["type"], "action_id": element["action_id"], "block_id": element["block_id"]}
    if element["type"] == "static_select":
        option = element["options"][0]
        action["selected_option"] = {"text": option["text"], "value": option["value"]}
    else:
        action["value"] = element.get("value", "")
    status, rid = slack.action(action, **kw)
    assert status == 200
    return rid


def test_did_you_mean_button_answers_the_choice_in_place(slack):
    msg = ask(slack, "jeager")
    (choice,) = [b for b in find_blocks(msg["blocks"], A_OPEN) if "Jaeger" in b["text"]["text"]][:1]
    rid = click(slack, choice)
    (reply,) = slack.response(rid)
    assert reply["replace_original"] is True
    assert "Jaeger" in reply["blocks"][0]["text"]["text"]
    assert find_blocks(reply["blocks"], A_SHARE)  # still shareable
    assert slack.services.questions[-1].source == "action"


def test_korean_did_you_mean_answers_in_korean(slack):
    msg = ask(slack, "링커")
    rid = click(slack, find_blocks(msg["blocks"], A_OPEN)[0])
    (reply,) = slack.response(rid)
    assert "졸업" in reply["blocks"][0]["text"]["text"]


def test_share_posts_the_same_answer_in_channel(slack):
    msg = ask(slack, "what is linkerd")
    rid = click(slack, find_blocks(msg["blocks"], A_SHARE)[0], user="U200")
    (shared,) = slack.response(rid)
    assert shared["response_type"] == "in_channel" and shared["replace_original"] is False
    assert shared["blocks"][:-2] == [b for b in msg["blocks"] if b.get("block_id") != "share"]
    assert "<@U200>" in shared["blocks"][-2]["elements"][0]["text"]
    assert shared["blocks"][-1]["type"] == "context_actions"  # feedback buttons on the shared answer
    assert not find_blocks(shared["blocks"], A_SHARE)


def test_a_share_button_never_changes_settings(slack):
    for q in ("lang ko", "potd subscribe 09:00", "LANG en"):
        value = json.dumps({"q": q, "l": "en"})
        status, rid = slack.action({"type": "button", "action_id": A_SHARE, "block_id": "share", "value": value},
                                   user="U777")
        assert status == 200
    msg = ask(slack, "what is linkerd")  # the app is still answering, and ran none of them
    assert msg["blocks"]
    assert not slack.services.ran
    assert not slack.fake.find("api", "chat.postMessage")


def test_share_of_a_korean_answer_stays_korean(slack):
    msg = ask(slack, "예거 vs 오픈트레이싱")
    rid = click(slack, find_blocks(msg["blocks"], A_SHARE)[0])
    (shared,) = slack.response(rid)
    assert shared["blocks"][0] == msg["blocks"][0] and "비교" in shared["blocks"][0]["text"]["text"]


def test_more_button_shows_the_next_page_in_the_same_language(slack):
    msg = ask(slack, "샌드박스 프로젝트 목록")
    more = find_blocks(msg["blocks"], A_MORE)[0]
    assert json.loads(more["value"])["l"] == "ko"
    rid = click(slack, more)
    (page,) = slack.response(rid)
    assert "21–" in all_text(page["blocks"])
    assert "샌드박스" in all_text(page["blocks"])
    share = json.loads(find_blocks(page["blocks"], A_SHARE)[0]["value"])
    assert share["o"] == 20 and share["l"] == "ko"
    rid = click(slack, find_blocks(page["blocks"], A_SHARE)[0])  # sharing page 2 shares page 2
    assert "21–" in all_text(slack.response(rid)[0]["blocks"])


def test_compare_select_compares_with_the_chosen_project(slack):
    msg = ask(slack, "what is argo")
    select = find_blocks(msg["blocks"], A_COMPARE)[0]
    option = json.loads(select["options"][0]["value"])
    rid = click(slack, select)
    (reply,) = slack.response(rid)
    title = reply["blocks"][0]["text"]["text"]
    assert "Argo" in title and reply["blocks"][0]["type"] == "header"
    assert option["a"] == "argo"


def test_trail_step_button_opens_the_step(slack):
    msg = ask(slack, "what is prometheus")
    step = [b for b in find_blocks(msg["blocks"], A_OPEN) if json.loads(b["value"])["k"] == "step"][0]
    rid = click(slack, step)
    (reply,) = slack.response(rid)
    n = json.loads(step["value"])["id"]
    assert f"step {n}" in reply["blocks"][0]["text"]["text"].lower()


def test_button_on_a_bot_message_answers_in_its_thread(slack):
    msg = ask(slack, "jeager")
    choice = find_blocks(msg["blocks"], A_OPEN)[0]
    click(slack, choice, ephemeral=False, message={"ts": "1700000100.000100", "thread_ts": "1700000000.000001",
                                                   "bot_id": "BBOT", "text": "x"})
    (post,) = slack.fake.wait_for("api", "chat.postMessage")
    assert post.body["channel"] == "C100" and post.body["thread_ts"] == "1700000000.000001"


def test_button_in_the_app_home_answers_in_a_dm(slack):
    value = json.dumps({"k": "step", "id": 4, "l": "ko"})
    slack.action({"type": "button", "action_id": f"{A_OPEN}_home_step4", "block_id": "home:trail", "value": value},
                 user="U300", view=True)
    (post,) = slack.fake.wait_for("api", "chat.postMessage")
    assert post.body["channel"] == "U300" and "4단계" in post.body["text"]


def test_link_buttons_are_acked_and_do_nothing_else(slack):
    status, _ = slack.action({"type": "button", "action_id": f"{A_LINK}_home", "block_id": "project:linkerd",
                              "value": ""})
    assert status == 200
    status, _ = slack.action({"type": "button", "action_id": A_OPEN, "block_id": "x", "value": "not json"})
    assert status == 200


def test_forged_button_values_are_refused_quietly(slack):
    for value in ('{"k":"project","id":"<!channel>","l":"en"}', '{"o":-5,"m":"<!here>","l":"xx"}', "[]", "null"):
        status, rid = slack.action({"type": "button", "action_id": f"{A_OPEN}_x", "block_id": "b", "value": value})
        assert status == 200
    status, rid = slack.action({"type": "button", "action_id": A_MORE, "block_id": "b",
                                "value": '{"o":-5,"m":"<!here>","l":"xx"}'})
    for c in slack.fake.wait_for("response", rid):
        assert "<!here>" not in json.dumps(c.body)
