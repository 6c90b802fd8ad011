"""Two replicas on one PostgreSQL: 1,000 events, 20% delivered twice (the second time as Slack's
retry to the other replica, at the same moment) and 5% whose first replica is killed after
acking them. Prints how many events were answered once, twice or never.

    python bench/bench_replicas.py [--events 1000] [--url postgresql+psycopg://postgres@127.0.0.1:5432/test]

Each run uses a schema of its own in that database and drops it afterwards. The driver is
tests/replicas.py (the test suite runs the same trial with 120 events).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import uuid
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    from tests.replicas import Trial, run_trial

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1000)
    ap.add_argument("--kills", type=int, default=5, help="kill rounds the 5%% are spread over")
    ap.add_argument("--logs", help="keep the replicas' logs in this folder")
    ap.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = ap.parse_args()
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    plain = args.url.replace("+psycopg", "")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        url = f"{args.url}{'&' if '?' in args.url else '?'}options={quote('-csearch_path=' + schema)}"
        with tempfile.TemporaryDirectory() as tmp:
            logs = Path(args.logs or tmp)
            logs.mkdir(parents=True, exist_ok=True)
            counts = run_trial(url, Trial(events=args.events, kill_rounds=args.kills), logs, say=print)
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    width = max(map(len, counts))
    for k, v in counts.items():
        print(f"{k:<{width}}  {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
