"""`cncf-bot knowledge check|import|train`: validate the data, refresh facts from a landscape.yml,
retrain the intent classifier."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("knowledge", help="validate or refresh the knowledge data")
    ksub = p.add_subparsers(dest="knowledge_command", metavar="ACTION", required=True)
    check = ksub.add_parser("check", help="validate every knowledge file; exit 1 on problems")
    check.add_argument("--data-dir", type=Path, default=None, help="a data folder other than the packaged one")
    check.set_defaults(func=run_check)
    imp = ksub.add_parser("import", help="update facts from a cncf/landscape landscape.yml")
    imp.add_argument("path", type=Path, help="path to landscape.yml")
    imp.add_argument("--data-dir", type=Path, default=None, help="a data folder other than the packaged one")
    imp.add_argument("--commit", default="", help="the cncf/landscape commit the file comes from")
    imp.set_defaults(func=run_import)
    sync = ksub.add_parser("sync", help="download the CNCF landscape and store its facts as a new knowledge "
                                         "version in the database (replicas pick it up by themselves)")
    sync.add_argument("url", nargs="?", default=None,
                      help="the landscape.yml to fetch (default: cncf/landscape's, on GitHub)")
    sync.set_defaults(func=run_sync)
    train = ksub.add_parser("train", help="retrain the intent classifier from knowledge/training/*.yaml "
                                          "(needs scikit-learn: pip install -e '.[train]')")
    train.add_argument("--out", type=Path, default=None, help="where to write the model (default: the packaged one)")
    train.add_argument("--cv", action="store_true", help="print 5-fold cross-validation accuracy first")
    train.set_defaults(func=run_train)


def run_check(args: argparse.Namespace) -> int:
    from knowledge.errors import KnowledgeError
    from knowledge.loader import load_catalog

    try:
        catalog = load_catalog(args.data_dir)
    except KnowledgeError as exc:
        for p in exc.problems:
            print(p, file=sys.stderr)
        print(f"knowledge check failed: {len(exc.problems)} problem(s).", file=sys.stderr)
        return 1
    from knowledge.engine import model_path, packaged_model
    from knowledge.intent import corpus_digest
    from knowledge.intent_train import TRAINING_DIR

    try:
        model = packaged_model(model_path(args.data_dir))
    except KnowledgeError as exc:
        for p in exc.problems:
            print(p, file=sys.stderr)
        print("knowledge check failed: the intent model cannot be used.", file=sys.stderr)
        return 1
    corpus = sorted(TRAINING_DIR.glob("*.yaml"))
    if corpus and corpus_digest([f.read_bytes() for f in corpus]) != model.meta.get("corpus"):
        print(f"knowledge check failed: the intent model was trained on another corpus than {TRAINING_DIR}; "
              "run `cncf-bot knowledge train`.", file=sys.stderr)
        return 1
    counts = catalog.counts()
    print("knowledge check passed: " + ", ".join(f"{v} {k}" for k, v in counts.items()) +
          f"; {len(catalog.steps)} trail-map steps; data of {catalog.source.data_date}.")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from knowledge.errors import KnowledgeError
    from knowledge.landscape_import import import_landscape
    from knowledge.loader import DATA_DIR, load_catalog

    data_dir = args.data_dir or DATA_DIR
    try:
        report = import_landscape(args.path, data_dir / "landscape.yaml", commit=args.commit)
    except KnowledgeError as exc:
        print(f"import failed: {exc}", file=sys.stderr)
        return 1
    for line in report.lines():
        print(line)
    try:
        load_catalog(data_dir)
    except KnowledgeError as exc:
        print("The facts were updated, but the curated files now disagree with them:", file=sys.stderr)
        for p in exc.problems:
            print(f"  {p}", file=sys.stderr)
        return 1
    return 0


def run_train(args: argparse.Namespace) -> int:
    from knowledge.engine import Engine
    from knowledge.errors import KnowledgeError
    from knowledge.intent import MODEL_FILE
    from knowledge.intent_train import train
    from knowledge.loader import DATA_DIR, load_catalog

    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("cncf-bot knowledge train needs scikit-learn: pip install -e '.[train]'", file=sys.stderr)
        return 2
    out = args.out or DATA_DIR / MODEL_FILE
    try:
        # Shaping needs the reader only, not a model: a corrupt model file must not stop its own rebuild.
        from knowledge.intent import IntentModel
        import numpy as np
        blank = IntentModel(("unknown",), {}, np.zeros(0), np.zeros((0, 1)), np.zeros(1), {})
        engine = Engine(load_catalog(), model=blank)
        train(engine.shape_question, out=out, cv=args.cv)
    except KnowledgeError as exc:
        for p in exc.problems:
            print(p, file=sys.stderr)
        print(f"knowledge train failed: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"knowledge train failed: cannot write {out} ({exc.strerror or exc})", file=sys.stderr)
        return 1
    return 0


def run_sync(args: argparse.Namespace) -> int:
    """0: stored or no change; 1: the download was refused (the version in force stays); 2: settings."""
    from bot.config import Config, ConfigError
    from bot.db import Database, upgrade
    from bot.knowledge_sync import DEFAULT_URL, SyncRefused, sync

    try:
        config = Config.from_env(need_slack=False)
    except ConfigError as exc:
        print(f"cncf-bot: configuration error: {exc}", file=sys.stderr)
        return 2
    db = Database(config.database_url)
    try:
        upgrade(db)
        result = sync(db, args.url or DEFAULT_URL)
    except SyncRefused as exc:
        print(f"cncf-bot: knowledge sync refused: {exc}; the version in force stays", file=sys.stderr)
        return 1
    except Exception as exc:  # the database
        print(f"cncf-bot: knowledge sync failed: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}",
              file=sys.stderr)
        return 1
    finally:
        db.dispose()
    print("\n".join(result.lines()))
    return 0
