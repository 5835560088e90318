"""Real hubs for the sync tests: a SQLite hub file, and a PostgreSQL hub in a schema of its own.

PostgreSQL is BEDSIDE_TEST_PG_URL (default postgresql://postgres@127.0.0.1:5432/test). A test that needs it
is skipped, loudly, only when no server answers and CI is not set; in CI it fails instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from bedside.clock import Clock
from bedside.sync.hub import Hub, open_hub

PG_URL = os.environ.get("BEDSIDE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def pg_reachable() -> str | None:
    try:
        psycopg.connect(PG_URL, connect_timeout=3).close()
    except psycopg.Error as err:
        return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return None


def need_postgres() -> None:
    problem = pg_reachable()
    if problem is None:
        return
    message = f"PostgreSQL at {PG_URL} is not reachable ({problem})"
    if os.environ.get("CI"):
        pytest.fail(f"{message}; CI is set, so the PostgreSQL hub tests must run")
    pytest.skip(f"SKIPPED LOUDLY: {message}; set BEDSIDE_TEST_PG_URL or start the server")


def _with_schema(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


class HubPlace:
    """Where a test's hub lives; `url` reaches it, `open` gives a fresh connection."""

    def __init__(self, kind: str, tmp_path: Path) -> None:
        self.kind = kind
        self._schema: str | None = None
        if kind == "sqlite":
            self.url = f"sqlite:///{tmp_path / 'hub.db'}"
        else:
            need_postgres()
            self._schema = f"hub_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(PG_URL, autocommit=True) as conn:
                conn.execute(f"CREATE SCHEMA {self._schema}")
            self.url = _with_schema(PG_URL, self._schema)

    def open(self, clock: Clock | None = None, *, create: bool = False) -> Hub:
        return open_hub(self.url, clock=clock, create=create)

    def drop(self) -> None:
        if self._schema is not None:
            with psycopg.connect(PG_URL, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA {self._schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def hub_place(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[HubPlace]:
    place = HubPlace(request.param, tmp_path)
    place.open(create=True).close()
    yield place
    place.drop()
