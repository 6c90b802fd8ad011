"""The intent classifier: what kind of question this is, with a probability for each kind.

The classifier never sees a name. The reader has already found the names, so the question is
rewritten with each name replaced by its kind ("when did argo graduate" -> "when did _proj_
graduate"), and the model learns the *shape* of questions, which carries over to every name the
catalog holds, including the ones no training question used. The features are tf-idf weighted
word unigrams and bigrams plus character 2-4-grams inside words (so typos, Korean particles and
endings still share most of their features), and the model is a multinomial logistic regression
trained by scikit-learn (`cncf-bot knowledge train`, see knowledge/intent_train.py).

Inference is hand-rolled from the trained weights, so answering imports only numpy: a model file
of vocabulary, idf and weights, a dictionary lookup per feature and one small matrix product.
"""
from __future__ import annotations

import hashlib
import json
import math
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import KnowledgeError
from .lru import LRU
from .text import PARTICLES, strip_particle

# Fine-grained intents the model tells apart; the policy maps them to the Answer's intents.
LABELS = ("project", "fact", "compare", "recommend", "alternative", "list", "datelist", "count",
          "trailmap", "concept", "help", "unknown")
FORMAT = "cncf-bot-intent/1"
MODEL_FILE = "intent-model.npz"

_PARTICLES = frozenset(PARTICLES)

# What a name becomes in the text the classifier reads.
PLACEHOLDER = {"project": "_proj_", "entry": "_tool_", "concept": "_concept_", "kube": "_kube_", "trail": "_trail_",
               "cncf": "_cncf_"}


def shape_tokens(toks: list[str], spans: list[tuple[tuple[int, int], str, bool]]) -> list[str]:
    """The question's tokens with each name span ((start, end), kind, exact) replaced by its
    placeholder, years and numbers by theirs: the only text the classifier ever reads."""
    by_start = {s[0]: (s[1], kind, exact) for s, kind, exact in spans}
    out: list[str] = []
    i = 0
    while i < len(toks):
        if i in by_start:
            end, kind, exact = by_start[i]
            out.append(PLACEHOLDER[kind])
            if not exact:  # numbers inside a guessed name stay visible: "trailmap step 9"
                out += ["_num_" for t in toks[i + 1:end] if t.isdigit()]
            i = max(end, i + 1)
            if i < len(toks) and toks[i] in _PARTICLES:
                i += 1  # "메탈3랑": the particle belongs to the name, as in "아르고랑"
            continue
        t = toks[i]
        if t.isdigit():
            out.append("_year_" if len(t) == 4 and t[:2] in ("19", "20") else "_num_")
        else:
            out.append(t)
        i += 1
    return out


def token_features(t: str) -> list[str]:
    """The features one token brings by itself: the word, its Korean stem, its char 2-4-grams."""
    out = ["w:" + t]
    base = strip_particle(t)
    if base:
        out.append("w:" + base)  # "아르고는" and "아르고" share the word
    if t[0] != "_":
        padded = f"<{t}>"
        n = len(padded)
        out += ["c:" + padded[j:j + k] for k in (2, 3, 4) for j in range(n - k + 1)]
    return out


def features(toks: list[str], tags: tuple[str, ...] = ()) -> dict[str, int]:
    """Feature counts of a shaped question: words, Korean word stems, word pairs, char n-grams,
    and the reader's evidence tags (how many names of each kind, a need, a year...)."""
    feats: dict[str, int] = {"e:" + t: 1 for t in tags}
    prev = "^"
    for t in toks:
        for f in (*token_features(t), "b:" + prev + " " + t):
            feats[f] = feats.get(f, 0) + 1
        prev = t
    f = "b:" + prev + " $"
    feats[f] = feats.get(f, 0) + 1
    return feats


@dataclass
class IntentModel:
    """Vocabulary, idf and weights of the trained classifier."""

    labels: tuple[str, ...]
    vocab: dict[str, int]
    idf: np.ndarray  # (n_features,)
    coef: np.ndarray  # (n_features, n_labels)
    intercept: np.ndarray  # (n_labels,)
    meta: dict
    # vocabulary columns by token; the model never changes once loaded, so nothing invalidates them
    _columns: LRU = field(default_factory=lambda: LRU(50000), repr=False, compare=False)

    def probabilities(self, toks: list[str], tags: tuple[str, ...] = ()) -> dict[str, float]:
        """P(label) for a shaped question. The features are those of features(), found per token
        through a memo (words repeat across questions far more than questions do)."""
        vocab = self.vocab
        cols: list[int] = []
        for t in tags:
            j = vocab.get("e:" + t)
            if j is not None:
                cols.append(j)
        prev = "^"
        for t in toks:
            cols += self._token_columns(t)
            j = vocab.get("b:" + prev + " " + t)
            if j is not None:
                cols.append(j)
            prev = t
        j = vocab.get("b:" + prev + " $")
        if j is not None:
            cols.append(j)
        if cols:
            tf: dict[int, int] = {}
            for j in cols:
                tf[j] = tf.get(j, 0) + 1
            idx = np.fromiter(tf.keys(), dtype=np.int64, count=len(tf))
            counts = np.fromiter(tf.values(), dtype=np.float64, count=len(tf))
            x = (1.0 + np.log(counts)) * self.idf[idx]  # sublinear tf, as in training
            x /= math.sqrt(float(x @ x)) or 1.0
            logits = x @ self.coef[idx] + self.intercept
        else:
            logits = self.intercept.copy()
        logits = logits - logits.max()
        p = np.exp(logits)
        p /= p.sum()
        return dict(zip(self.labels, p.tolist()))

    def _token_columns(self, t: str) -> list[int]:
        """The vocabulary columns of one token's own features (word, stem, char n-grams)."""
        cols = self._columns.get(t)
        if cols is None:
            cols = [self.vocab[f] for f in token_features(t) if f in self.vocab]
            self._columns.put(t, cols)
        return cols

    # -- the model file -------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        names = "\n".join(sorted(self.vocab, key=self.vocab.get)).encode("utf-8")
        meta = json.dumps({**self.meta, "format": FORMAT, "labels": list(self.labels)}, ensure_ascii=False)
        body = {"names": np.frombuffer(zlib.compress(names, 9), dtype=np.uint8),
                "idf": self.idf.astype(np.float32), "coef": self.coef.astype(np.float32),
                "intercept": self.intercept.astype(np.float32),
                "meta": np.frombuffer(meta.encode("utf-8"), dtype=np.uint8)}
        with open(path, "wb") as fh:
            np.savez_compressed(fh, **body)

    @classmethod
    def load(cls, path: Path) -> "IntentModel":
        """The model in `path`; a missing, corrupt or foreign file is a KnowledgeError that says so."""
        hint = "run `cncf-bot knowledge train` to build it"
        try:
            with np.load(path, allow_pickle=False) as z:
                meta = json.loads(bytes(z["meta"]).decode("utf-8"))
                names = zlib.decompress(bytes(z["names"])).decode("utf-8").split("\n")
                idf = z["idf"].astype(np.float64)
                coef = z["coef"].astype(np.float64)
                intercept = z["intercept"].astype(np.float64)
        except FileNotFoundError:
            raise KnowledgeError(f"the intent model {path} is missing", [f"{path}: missing; {hint}"]) from None
        except Exception as exc:  # zip, zlib, json, key errors: all mean the file is unusable
            raise KnowledgeError(f"the intent model {path} is corrupt",
                                 [f"{path}: cannot be read ({type(exc).__name__}: {exc}); {hint}"]) from None
        labels = tuple(meta.get("labels", ()))
        problems = []
        if meta.get("format") != FORMAT:
            problems.append(f"format {meta.get('format')!r}, expected {FORMAT!r}")
        if set(labels) != set(LABELS):
            problems.append(f"labels {list(labels)} are not {list(LABELS)}")
        if coef.shape != (len(names), len(labels)) or idf.shape != (len(names),) or intercept.shape != (len(labels),):
            problems.append(f"weights of shape {coef.shape} do not fit {len(names)} features x {len(labels)} labels")
        if not np.isfinite(coef).all() or not np.isfinite(idf).all():
            problems.append("weights that are not finite numbers")
        if problems:
            raise KnowledgeError(f"the intent model {path} is not usable",
                                 [f"{path}: {p}; {hint}" for p in problems])
        return cls(labels, {n: i for i, n in enumerate(names)}, idf, coef, intercept, meta)


def corpus_digest(texts: list[bytes]) -> str:
    """A digest of the training corpus, stored in the model: `knowledge check` compares them."""
    h = hashlib.sha256()
    for t in texts:
        h.update(hashlib.sha256(t).digest())
    return h.hexdigest()[:16]
