from sqlalchemy import Engine

from mltrace_otel.queries.lineage import lineage
from mltrace_otel.store.ingest import ingest_spans
from tests.helpers import run_record


def test_a_consumer_depends_on_the_producer_of_its_input(engine: Engine) -> None:
    producer = run_record("ingest", 0, 1, outputs=["raw.csv"])
    consumer = run_record("clean", 2, 3, inputs=["raw.csv"], outputs=["clean.csv"])
    ingest_spans(engine, [consumer, producer])
    with engine.connect() as conn:
        graph = lineage(conn, output="clean.csv")
    assert set(graph.runs) == {producer.span_id, consumer.span_id}
    assert graph.depths[producer.span_id] == 1
