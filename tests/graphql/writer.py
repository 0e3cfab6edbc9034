"""A separate writer process for subscription tests: ``python -m tests.graphql.writer DB_URL INTERVAL``.

Stores one ``etl`` run and one ``other`` run per interval until killed, straight into the database (as a
pipeline or another server replica would), and prints each ``etl`` run's id once its transaction committed.
"""

from __future__ import annotations

import sys
import time

from mltrace_otel.store.engine import get_engine
from mltrace_otel.store.ingest import ingest_spans
from tests.helpers import run_record


def main(url: str, interval: float) -> None:
    engine = get_engine(url)
    step = 0
    while True:
        etl = run_record("etl", step, step + 1, outputs=[f"etl/{step}.csv"], span_id=f"{0xE000 + step:016x}")
        other = run_record("other", step, step + 1, span_id=f"{0xF000 + step:016x}")
        ingest_spans(engine, [other, etl])
        print(etl.span_id, flush=True)
        step += 1
        time.sleep(interval)


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]))
