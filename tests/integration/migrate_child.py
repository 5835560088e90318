"""Child of the migration-kill test: migrates a database to the newest schema, slowly, to be killed.

Run as `python -m tests.integration.migrate_child DB`. A progress handler sleeps now and then and the page
cache is tiny, so that the migration takes a while and spills uncommitted pages to the WAL: a SIGKILL at
a random moment then lands inside the migration's transaction often, which is what R21 is about.
"""

from __future__ import annotations

import sys
import time

from bedside.store.connection import open_database
from bedside.store.migrations import migrate


def _dawdle() -> int:
    time.sleep(0.0002)
    return 0  # 0: carry on


def main(path: str) -> None:
    db = open_database(path, migrate=False)
    db.conn.execute("PRAGMA cache_size = 8")
    db.conn.set_progress_handler(_dawdle, 200)
    sys.stdout.write("go\n")
    sys.stdout.flush()
    began = time.perf_counter()
    migrate(db)
    sys.stdout.write(f"done {time.perf_counter() - began:.3f}\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1])
