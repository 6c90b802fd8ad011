"""The bot's storage: typed models, the engine/session factory and Alembic migrations."""
from .migrate import current_revision, head_revision, upgrade
from .session import Database, create_db_engine, safe_url

__all__ = ["Database", "create_db_engine", "safe_url", "upgrade", "current_revision", "head_revision"]
