"""Child of the crash tests: charts vitals through the real store and prints each id once COMMIT returned.

Run as `python -m tests.integration.crash_child DB PATIENT [--lie]`; the parent kills it with SIGKILL.
`--lie` acknowledges each id before COMMIT (and dawdles), so that the parent's check must catch a loss.
"""

from __future__ import annotations

import sys
import time

from bedside.clock import SystemClock
from bedside.records import VitalSigns
from bedside.store.connection import open_database, transaction
from bedside.store.log import Log


def main(path: str, patient_id: str, lie: bool) -> None:
    clock = SystemClock()
    db = open_database(path, clock=clock)
    log = Log(db, clock)
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    i = 0
    while True:
        vitals = VitalSigns(hr=60 + i % 100, sbp=110, dbp=70, spo2=90 + i % 10, rr=18)
        with transaction(db):
            stored = log.append(
                vitals, patient_id=patient_id, observed_at=clock.now(), author="crash-test"
            )
            if lie:
                out.write(stored.id + "\n")
                out.flush()
                time.sleep(0.02)
        if not lie:
            # Only now is the write acknowledged: COMMIT has returned.
            out.write(stored.id + "\n")
            out.flush()
        i += 1


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], lie="--lie" in sys.argv[3:])
