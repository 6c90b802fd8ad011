"""`cncf-bot eval`: the scorer that ships with the project, run as a contributor runs it."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CASES = Path(__file__).resolve().parents[1] / "knowledge" / "cases"


def run(*args):
    return subprocess.run([sys.executable, "-m", "bot.cli", "eval", *args], capture_output=True, text=True,
                          timeout=300)


def test_eval_prints_per_intent_and_per_language_figures_and_the_failures(tmp_path):
    f = tmp_path / "mini.yaml"
    f.write_text('cases:\n- {q: "what is linkerd", intent: project, top1: linkerd}\n'
                 '- {q: "쿠버네티스가 뭐야", intent: project, top1: kubernetes}\n'
                 '- {q: "what is linkerd", intent: compare, all: [linkerd, istio]}\n', encoding="utf-8")
    p = run(str(f))
    assert p.returncode == 0
    out = p.stdout
    assert "mini.yaml: 2/3 (66.7%)" in out
    assert "project/ko" in out and " ko " in out and " en " in out
    assert "FAIL 'what is linkerd': intent 'project', want compare" in out
    assert out.strip().endswith("score: 2/3 (66.7%)")
    assert run(str(f), "--min", "90").returncode == 1


def test_eval_defaults_to_the_labelled_sets_in_the_repository():
    p = run("--quiet")
    assert p.returncode == 0
    for f in CASES.glob("*.yaml"):
        assert f.name + ":" in p.stdout
    assert "FAIL" not in p.stdout


def test_a_bad_case_file_is_one_clear_message(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("cases: [ {q: 'x', intent: project", encoding="utf-8")
    p = run(str(bad))
    assert p.returncode == 2 and "not valid YAML" in p.stderr and "Traceback" not in p.stderr
    odd = tmp_path / "odd.yaml"
    odd.write_text('cases:\n- {q: "x", intent: project, topp1: argo}\n', encoding="utf-8")
    p = run(str(odd))
    assert p.returncode == 2 and "unknown keys ['topp1']" in p.stderr
    conv = tmp_path / "conv.yaml"
    conv.write_text('cases:\n- {q: "is it graduated?", intent: project, after: 5}\n', encoding="utf-8")
    p = run(str(conv))
    assert p.returncode == 2 and "after must be" in p.stderr and "Traceback" not in p.stderr
    p = run(str(tmp_path / "nope.yaml"))
    assert p.returncode == 2 and "cannot read it" in p.stderr
