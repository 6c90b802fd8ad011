"""The trained intent classifier: its file, its failure modes and its training path."""
from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pytest

from knowledge.engine import Engine, packaged_model
from knowledge.errors import KnowledgeError
from knowledge.intent import LABELS, MODEL_FILE, IntentModel, features, shape_tokens
from knowledge.intent_train import fit, read_corpus
from knowledge.loader import DATA_DIR


def test_the_shipped_model_loads_and_knows_every_label():
    model = packaged_model()
    assert set(model.labels) == set(LABELS)
    assert model.coef.shape == (len(model.vocab), len(LABELS))
    p = model.probabilities(["what", "is", "_proj_"], ("project1",))
    assert abs(sum(p.values()) - 1) < 1e-9 and max(p, key=p.get) == "project"


def test_the_shipped_model_was_trained_on_the_corpus_in_the_repository():
    from knowledge.intent import corpus_digest
    from knowledge.intent_train import TRAINING_DIR

    files = sorted(TRAINING_DIR.glob("*.yaml"))
    assert corpus_digest([f.read_bytes() for f in files]) == packaged_model().meta["corpus"]


def test_names_become_their_kind_before_the_classifier_reads_them():
    toks = ["when", "did", "argo", "graduate", "in", "2024"]
    assert shape_tokens(toks, [((2, 3), "project", True)]) == ["when", "did", "_proj_", "graduate", "in", "_year_"]
    assert shape_tokens(["메탈", "3", "랑"], [((0, 2), "project", True)]) == ["_proj_"]


@pytest.fixture
def data_copy(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    return data


def cli(*args):
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("damage,word", [(lambda p: p.unlink(), "missing"),
                                         (lambda p: p.write_bytes(b"not a model at all"), "corrupt"),
                                         (lambda p: p.write_bytes(p.read_bytes()[:5000]), "corrupt")])
def test_a_missing_or_corrupt_model_is_a_clear_error_at_start(data_copy, damage, word):
    path = data_copy / MODEL_FILE
    damage(path)
    with pytest.raises(KnowledgeError) as err:
        IntentModel.load(path)
    assert word in str(err.value) and "cncf-bot knowledge train" in err.value.problems[0]
    if word == "corrupt":  # a data folder with a broken model of its own never answers with it
        with pytest.raises(KnowledgeError):
            Engine.load(data_copy)
        p = cli("knowledge", "check", "--data-dir", str(data_copy))
        assert p.returncode == 1 and "Traceback" not in p.stderr and "intent model" in p.stderr


def test_a_model_of_the_wrong_shape_is_refused(tmp_path):
    m = packaged_model()
    bad = IntentModel(m.labels, m.vocab, m.idf, m.coef[:, :3], m.intercept, {})
    path = tmp_path / MODEL_FILE
    bad.save(path)
    with pytest.raises(KnowledgeError, match="not usable"):
        IntentModel.load(path)


def test_training_learns_shapes_and_round_trips_through_its_file(tmp_path):
    rows = [("what is _proj_", "project"), ("tell me about _proj_", "project"), ("_proj_ vs _proj_", "compare"),
            ("compare _proj_ and _proj_", "compare"), ("weather tomorrow", "unknown"), ("pizza near me", "unknown")]
    shaped = [(q.split(), ()) for q, _ in rows] * 3
    model = fit(shaped, [lab for _, lab in rows] * 3, c=10.0)
    path = tmp_path / MODEL_FILE
    model.save(path)
    again = IntentModel.load(path)
    for toks, want in ((["what", "is", "_proj_", "exactly"], "project"), (["_proj_", "vs", "_proj_", "?"], "compare")):
        p = again.probabilities(toks)
        assert max(p, key=p.get) == want
        assert np.allclose(list(p.values()), list(model.probabilities(toks).values()), atol=1e-5)


def test_the_corpus_reads_and_every_label_has_questions_in_both_languages():
    rows, _ = read_corpus()
    assert len(rows) >= 5000
    for label in LABELS:
        qs = [q for q, lab in rows if lab == label]
        assert any(any("\uac00" <= ch <= "\ud7a3" for ch in q) for q in qs), label
        assert any(q.isascii() for q in qs), label


def test_features_of_a_korean_word_include_its_stem():
    f = features(["아르고는", "뭐야"])
    assert "w:아르고" in f and "w:아르고는" in f and "b:^ 아르고는" in f
