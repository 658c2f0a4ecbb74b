"""Applies the Alembic migrations: `python -m bot.storage.migrate` (run by `make run` and the tests)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

from alembic import command
from alembic.config import Config

from bot.core.settings import database_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: Optional[str] = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser treats % as interpolation; passwords in URLs may contain it.
    cfg.set_main_option("sqlalchemy.url", (url or database_url()).replace("%", "%%"))
    return cfg


def upgrade(url: Optional[str] = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: Optional[str] = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


if __name__ == "__main__":
    try:
        upgrade()
    except Exception as exc:  # one clear line for a newcomer, not a traceback
        print(f"error: could not migrate the database ({type(exc).__name__}: {exc}). "
              "Check DATABASE_URL and that the database server is running.", file=sys.stderr)
        sys.exit(1)
    print("database migrated")
