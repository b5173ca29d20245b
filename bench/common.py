"""What the benchmark scripts share: where the bench database is, and how to
reach it with SQLAlchemy (services) and with asyncpg (COPY, timing queries)."""

from __future__ import annotations

from sqlalchemy.engine import make_url

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/garagebot_bench"


def sqlalchemy_url(url: str) -> str:
    """The URL with the asyncpg driver, for ``garagebot.core.uow.Database``."""
    return make_url(url).set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def asyncpg_url(url: str) -> str:
    """The URL as asyncpg takes it (no ``+driver``)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def admin_url(url: str) -> str:
    """The same server's ``postgres`` database, to drop and create the bench database."""
    return make_url(asyncpg_url(url)).set(database="postgres").render_as_string(hide_password=False)


def database_name(url: str) -> str:
    name = make_url(url).database
    if not name:
        raise SystemExit(f"--url {url!r} names no database")
    return name
