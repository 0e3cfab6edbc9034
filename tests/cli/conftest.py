"""Fixtures for the CLI: a recorded pipeline, the CLI against its store, and the same store behind a real server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import uvicorn
from click.testing import Result
from sqlalchemy import Engine
from typer.testing import CliRunner

from mltrace_otel.cli.main import app
from mltrace_otel.span_record import SpanRecord
from mltrace_otel.store.ingest import ingest_spans
from tests.helpers import run_record

Invoke = Callable[..., Result]


@dataclass
class Pipeline:
    """ingest -> clean -> (featurize_a, featurize_b failed) -> train -> predict, plus a later ingest rerun.

    clean is shared by both featurize runs (a diamond); the rerun of ingest makes clean stale.
    """

    ingest: SpanRecord
    clean: SpanRecord
    featurize_a: SpanRecord
    featurize_b: SpanRecord
    train: SpanRecord
    predict: SpanRecord
    ingest_rerun: SpanRecord

    @property
    def all(self) -> list[SpanRecord]:
        return [
            self.ingest,
            self.clean,
            self.featurize_a,
            self.featurize_b,
            self.train,
            self.predict,
            self.ingest_rerun,
        ]


def record_pipeline(engine: Engine) -> Pipeline:
    p = Pipeline(
        ingest=run_record(
            "ingest",
            0,
            1,
            outputs=["raw.csv"],
            attributes={
                "mltrace.code.git_hash": "0123abcd",
                "mltrace.code.git_tags": ["v1.0", "release"],
                "mltrace.code.snapshot": "def ingest():\n    return download()\n",
                "mltrace.component.owner": "data-team",
                "mltrace.component.description": "pulls the raw dump",
                "mltrace.tags": ["etl"],
            },
        ),
        clean=run_record("clean", 2, 3.5, inputs=["raw.csv"], outputs=["clean.csv"]),
        featurize_a=run_record("featurize", 4, 5, inputs=["clean.csv"], outputs=["features-a.parquet"]),
        featurize_b=run_record("featurize", 4, 6, inputs=["clean.csv"], outputs=["features-b.parquet"], status="ERROR"),
        train=run_record(
            "train", 100, 190.5, inputs=["features-a.parquet", "features-b.parquet"], outputs=["model.pkl"]
        ),
        predict=run_record("predict", 300, 301, inputs=["model.pkl"], outputs=["pred-1", "pred-2"]),
        ingest_rerun=run_record("ingest", 400, 401, outputs=["raw.csv"]),
    )
    ingest_spans(engine, p.all)
    return p


@pytest.fixture
def pipeline(engine: Engine) -> Pipeline:
    return record_pipeline(engine)


@pytest.fixture
def cli(db_url: str) -> Invoke:
    """``mltrace --database-url <test store> ARGS...`` through Typer's runner."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, ["--database-url", db_url, *args], input=input)

    return invoke


@pytest.fixture
def bare_cli() -> Invoke:
    """``mltrace ARGS...`` with no global option: the library's configuration decides."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), input=input)

    return invoke


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def server_url(db_url: str, engine: Engine) -> Iterator[str]:
    """The real server app under a real uvicorn (background thread, free port) on the test store."""
    from graphql_server.app import create_app
    from graphql_server.settings import ServerSettings

    port = _free_port()
    config = uvicorn.Config(
        create_app(ServerSettings(database_url=db_url), engine=engine),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start within 10 s")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def server_cli(server_url: str) -> Invoke:
    """``mltrace --server <live server> ARGS...``."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, ["--server", server_url, *args], input=input)

    return invoke
