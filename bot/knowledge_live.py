"""The knowledge in force on a running replica, swapped whole when a newer version is synced.

`LiveEngine` stands where the engine stands (handlers, services, jobs): every attribute is read
from the current engine, so `live.ask(...)` runs entirely on one engine, and a swap is one
reference assignment: no half-updated answer, no pause. Caches of answers are keyed by the
catalog's version (handlers.deps), and renderings live on each catalog, so nothing stale is
served after a swap. `Refresher` looks for a newer version every KNOWLEDGE_REFRESH_SECONDS and
builds the new engine on its own thread before swapping it in.
"""
from __future__ import annotations

import dataclasses
import logging
import threading
from typing import Any, Callable

from knowledge.engine import Engine
from knowledge.loader import load_catalog

from .db import Database
from .knowledge_sync import latest, latest_id

log = logging.getLogger("cncf_bot.knowledge")


def engine_for_version(db: Database, model: Any = None) -> tuple[Engine, int] | None:
    """The engine over the newest synced version (curated text as packaged), or None when there is none."""
    row = latest(db)
    if row is None:
        return None
    catalog = load_catalog(facts_text=row.facts, strict=False)
    catalog.source = dataclasses.replace(catalog.source, commit=f"knowledge version {row.id}")
    return (Engine(catalog, model=model) if model is not None else Engine(catalog)), row.id


class LiveEngine:
    def __init__(self, engine: Engine, version: int = 0):
        self._engine = engine
        self.version = version

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    @property
    def current(self) -> Engine:
        return self._engine

    def swap(self, engine: Engine, version: int) -> None:
        self._engine, self.version = engine, version


class Refresher:
    def __init__(self, db: Database, live: LiveEngine, every: float,
                 on_swap: Callable[[LiveEngine], None] | None = None):
        self.db, self.live, self.every = db, live, every
        self.on_swap = on_swap or (lambda live: None)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="knowledge-refresh", daemon=True)

    def start(self) -> "Refresher":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=10)

    def check(self) -> bool:
        """Swap in the newest version if it is newer than the one in force; True when it did."""
        newest = latest_id(self.db)
        if newest <= self.live.version:
            return False
        built = engine_for_version(self.db, model=self.live.current.model)
        if built is None:
            return False
        engine, version = built
        self.live.swap(engine, version)
        log.info("knowledge version %d in force (landscape data of %s)", version, engine.catalog.source.data_date)
        try:
            self.on_swap(self.live)
        except Exception:
            log.exception("after the knowledge swap")
        return True

    def _loop(self) -> None:
        while not self.stopped.wait(self.every):
            try:
                self.check()
            except Exception as exc:  # the database is down, or the version does not load: keep the one in force
                log.warning("could not look for a newer knowledge version (%s: %s)", type(exc).__name__,
                            str(exc).splitlines()[0][:200] if str(exc) else "")
