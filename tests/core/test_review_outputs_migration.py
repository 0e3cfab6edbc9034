"""Migration i17_review_outputs (review's index of outputs by component and end time): up, down and up again on
each backend, keeping every row, with review answering the same before and after."""

from __future__ import annotations

from sqlalchemy import inspect, text

from mltrace_otel.queries.pointers import set_flag
from mltrace_otel.queries.review import review
from mltrace_otel.store.engine import create_store_engine
from mltrace_otel.store.ingest import ingest_spans
from mltrace_otel.store.migrate import current_revision, downgrade, head_revision, upgrade
from tests.helpers import run_record

INDEX = "ix_run_io_out_component_end"


def test_the_index_comes_and_goes_and_rows_stay(empty_db_url: str) -> None:
    engine = create_store_engine(empty_db_url)
    try:
        upgrade(engine)
        runs = [run_record("train", 0, 1, outputs=["model"])]
        runs += [run_record("predict", 2 + i, 3 + i, inputs=["model"], outputs=[f"p-{i}"]) for i in range(6)]
        ingest_spans(engine, runs)
        with engine.begin() as conn:
            set_flag(conn, "p-2", True)

        def state() -> tuple[int, list[tuple[str, int, int]]]:
            with engine.connect() as conn:
                rows = conn.execute(text("SELECT count(*) FROM run_io")).scalar_one()
                found = review(conn)
            return rows, [(s.run.id, s.failed, s.passed) for s in found.runs]

        def indexed() -> bool:
            return INDEX in {ix["name"] for ix in inspect(engine).get_indexes("run_io")}

        before = state()
        assert indexed() and before[0] == 13 and len(before[1]) == 2
        downgrade(engine, "i16_output_buckets")
        assert not indexed() and state() == before
        upgrade(engine)
        assert current_revision(engine) == head_revision() and indexed() and state() == before
    finally:
        engine.dispose()
