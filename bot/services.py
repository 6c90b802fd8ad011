"""Compose the Services the Slack handlers use (see handlers/services.py).

Until the database layer lands this returns NullServices; `start_background` starts the
project-of-the-day ticker and returns a function that stops it.
"""
from __future__ import annotations

from typing import Any, Callable

from handlers.services import NullServices, Services

from .config import Config


def make_services(config: Config, engine: Any) -> Services:
    return NullServices()


def start_background(config: Config, services: Services, engine: Any, client: Any) -> Callable[[], None]:
    return lambda: None
