"""Labelled question sets written by people who did not read the engine, scored the way the
product is judged (knowledge/evaluate.py, the scorer `cncf-bot eval` runs). They guard against
regressions in the kinds of questions, not in particular lines: the bar is a rate, not every case.
Sets a-e met the first engine; f and g met the classifier first and were then used for tuning;
h met the engine once, at the end, untouched before."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from handlers.render_json import answer_json
from knowledge.evaluate import converse, load_cases, score

CASES = Path(__file__).with_name("cases")
SETS = sorted(p.name for p in CASES.glob("*.yaml"))


@pytest.fixture(scope="module")
def reports(engine):
    def answer(q, after=None):
        a = converse(engine, q, after) if after else engine.ask(q)
        return json.loads(json.dumps(answer_json(a, engine.catalog, with_blocks=False)))
    return {name: score(name, load_cases(CASES / name), answer) for name in SETS}


# The bar of each set: 95% overall, except a final set below it at first contact, which must not
# fall below what it scored then (blind-h: 94.4% at first contact), and the follow-up sets
# (conversations, `after:`), which hold the level they reached (conv-a: 70.0% at first contact,
# 93.3% after the general fixes it led to; conv-b, the final follow-up set, 85.0% at its only contact).
BAR = {"blind-h.yaml": 0.944, "conv-a.yaml": 0.93, "conv-b.yaml": 0.85}
KO_BAR = {"conv-b.yaml": 0.80}  # conv-b's Korean follow-ups: 80.4% at first contact


@pytest.mark.parametrize("name", SETS)
def test_labelled_questions(reports, name):
    rep = reports[name]
    assert rep.rate >= BAR.get(name, 0.95), rep.failures
    assert rep.rate_of("ko") >= KO_BAR.get(name, 0.90), [f for f in rep.failures if any("\uac00" <= ch <= "\ud7a3" for ch in f[0])]


def test_the_first_sets_do_not_drop(reports):
    old = [r for n, r in reports.items() if n.startswith("heldout-")]
    assert sum(r.right for r in old) / sum(r.total for r in old) >= 0.97


def test_off_topic_questions_are_answered_unknown(reports):
    # The goal is 95%; the final set H met the classifier with 82% of its off-topic questions
    # answered unknown, so over every set the guard holds the level reached, not the goal.
    cells = [r.groups["unknown"] for r in reports.values() if "unknown" in r.groups]
    assert sum(c[0] for c in cells) / sum(c[1] for c in cells) >= 0.94
