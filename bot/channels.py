"""Channels where the bot answers without a mention (`/cncf channel auto on|off`).

Every top-level message in such a channel is looked at, so the setting is read through a cache:
all auto-answer channels are read whole and refreshed in the background each REFRESH seconds; a
change made here counts at once, one made on another replica within REFRESH.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from typing import Callable

from sqlalchemy import select

from .db import Database
from .db.models import ChannelSetting

log = logging.getLogger("cncf_bot.channels")
REFRESH = 30.0


class ChannelSettings:
    def __init__(self, db: Database, now: Callable[[], dt.datetime]):
        self.db, self.now = db, now
        self._auto: set[tuple[str, str]] | None = None
        self._read_at = -REFRESH
        self._refreshing = False
        self._lock = threading.Lock()

    def auto_answer(self, team: str, channel: str) -> bool:
        if time.monotonic() - self._read_at > REFRESH:
            self._refresh(wait=self._auto is None)
        return (team, channel) in (self._auto or set())

    def _refresh(self, wait: bool) -> None:
        with self._lock:
            if self._refreshing:
                return
            self._refreshing = True

        def read() -> None:
            try:
                with self.db.read() as s:
                    rows = s.execute(select(ChannelSetting.team_id, ChannelSetting.channel_id)
                                     .where(ChannelSetting.auto_answer.is_(True))).all()
                self._auto, self._read_at = {(t, c) for t, c in rows}, time.monotonic()
            except Exception as exc:  # the last known set stands
                log.warning("could not read the auto-answer channels (%s)", type(exc).__name__)
                self._read_at = time.monotonic()
            finally:
                self._refreshing = False

        worker = threading.Thread(target=read, name="channel-settings", daemon=True)
        worker.start()
        if wait:
            worker.join(timeout=0.5)

    def set_auto(self, team: str, channel: str, on: bool, by: str) -> None:
        with self.db.write() as s:
            row = s.get(ChannelSetting, (team, channel))
            if row is None:
                s.add(ChannelSetting(team_id=team, channel_id=channel, auto_answer=on, updated_by=by,
                                     updated_at=self.now()))
            else:
                row.auto_answer, row.updated_by, row.updated_at = on, by, self.now()
        auto = set(self._auto or set())
        (auto.add if on else auto.discard)((team, channel))
        self._auto = auto
