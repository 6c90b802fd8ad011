"""The command line as a user runs it: real processes, real stdin and stdout."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from knowledge.loader import DATA_DIR


def run(*args: str, stdin: bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True,
                          timeout=120, cwd=cwd)


def test_ask_prints_a_readable_answer():
    p = run("ask", "jaeger vs opentracing")
    assert p.returncode == 0
    out = p.stdout.decode()
    assert "Jaeger" in out and "OpenTracing" in out
    assert "CC-BY-4.0" in out


def test_ask_json_contract():
    p = run("ask", "--json", "what is linkerd")
    obj = json.loads(p.stdout)
    assert set(obj) >= {"intent", "lang", "projects", "step", "concept", "maturity", "category", "text", "blocks"}
    assert obj["intent"] == "project" and obj["lang"] == "en"
    assert obj["projects"][0] == {"id": "linkerd", "name": "Linkerd", "maturity": "graduated"}
    assert obj["text"] and obj["blocks"] and obj["step"] is None


def test_ask_json_stdin_one_line_per_question_in_order():
    questions = ["graduated projects", "프로메테우스가 뭐야", "", "trail map step 3", "zzzzzz",
                 "x" * 10000, "what is a service mesh"]
    raw = ("\n".join(questions) + "\n").encode() + b"\xff\xfe\x00garbage\n"
    p = run("ask", "--json", "-", stdin=raw)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.decode().splitlines()
    assert len(lines) == len(questions) + 1
    objs = [json.loads(line) for line in lines]
    assert objs[0]["intent"] == "list" and objs[0]["maturity"] == "graduated"
    assert len(objs[0]["projects"]) == 38  # every match, even though Slack pages them
    assert objs[1]["lang"] == "ko" and objs[1]["projects"][0]["id"] == "prometheus"
    assert objs[2]["intent"] == "help"
    assert objs[3]["step"] == 3
    assert objs[4]["intent"] == "unknown" and objs[4]["projects"] == []
    assert objs[5]["intent"] in ("unknown", "help")
    assert objs[6]["intent"] == "concept"
    assert objs[7]["intent"] in ("unknown", "help")


def test_knowledge_check_passes_on_packaged_data():
    p = run("knowledge", "check")
    assert p.returncode == 0, p.stderr.decode()
    assert "38 graduated" in p.stdout.decode()


def test_knowledge_check_fails_with_file_and_line(tmp_path: Path):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    (data / "projects" / "helm.yaml").write_text("id: helm\nsummary: [not, text\n", encoding="utf-8")
    p = run("knowledge", "check", "--data-dir", str(data))
    assert p.returncode == 1
    err = p.stderr.decode()
    assert re.search(r"projects/helm\.yaml:[23]: not valid YAML", err)


def test_knowledge_import_prints_changes(landscape_yml: Path, tmp_path: Path):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    p = run("knowledge", "import", str(landscape_yml), "--data-dir", str(data))
    assert p.returncode == 0, p.stderr.decode()
    assert "0 added, 0 removed, 0 changed" in p.stdout.decode()
    p = run("knowledge", "import", str(tmp_path / "missing.yml"), "--data-dir", str(data))
    assert p.returncode == 1 and "cannot read" in p.stderr.decode()
    p = run("knowledge", "import", str(landscape_yml), "--data-dir", str(tmp_path / "no-such-folder"))
    assert p.returncode == 1 and "cannot write" in p.stderr.decode() and "Traceback" not in p.stderr.decode()


def test_version():
    p = run("--version")
    assert p.returncode == 0
    assert "cncf-bot" in p.stdout.decode() and "catalog data of 20" in p.stdout.decode()
