"""What access control costs a request: the same small query with MLTRACE_AUTH=off, with a bearer key, and with a
UI session cookie (each a key lookup in the store per request: no cache, so a revocation is seen at once), and the
cost check on a large query.

    python -m benchmarks.auth_overhead [--requests 500] [--database-url URL]

Through Starlette's TestClient (in-process HTTP), one store; prints medians per request and the ratio to off.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from starlette.testclient import TestClient

from benchmarks.table import print_table
from graphql_server.app import create_app
from graphql_server.settings import ServerSettings
from mltrace_otel.queries.api_keys import create_key
from mltrace_otel.queries.scopes import parse_scopes
from mltrace_otel.store.engine import get_engine

QUERY = {"query": "{ tags }"}


def _median_ms(client: TestClient, n: int, headers: dict[str, str], body: dict[str, str] = QUERY) -> float:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.post("/graphql", json=body, headers=headers)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
    return statistics.median(samples) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = get_engine(url)
        with engine.begin() as conn:
            secret = create_key(conn, f"bench-{time.time_ns()}", parse_scopes(["read"]), "bench").secret
        off = create_app(ServerSettings(database_url=url), engine=engine)
        keys = create_app(ServerSettings(database_url=url, auth="keys"), engine=engine)
        with TestClient(off) as c_off, TestClient(keys) as c_keys:
            base = _median_ms(c_off, args.requests, {})
            bearer = _median_ms(c_keys, args.requests, {"Authorization": f"Bearer {secret}"})
            c_keys.post("/auth/session", json={"key": secret})
            cookie = _median_ms(c_keys, args.requests, {})
            big = {
                "query": "{ recentRuns(first: 1000) { edges { node { id name inputs { name } outputs { name } } } } }"
            }
            costed = _median_ms(c_off, args.requests, {}, big)
            uncosted_app = create_app(ServerSettings(database_url=url, max_query_cost=0), engine=engine)
            with TestClient(uncosted_app) as c_free:
                free = _median_ms(c_free, args.requests, {}, big)
        rows = [
            ("{ tags }, MLTRACE_AUTH=off", f"{base:.3f}", "1.00"),
            ("{ tags }, keys mode, bearer key", f"{bearer:.3f}", f"{bearer / base:.2f}"),
            ("{ tags }, keys mode, session cookie", f"{cookie:.3f}", f"{cookie / base:.2f}"),
            ("recentRuns(first: 1000) on an empty store, no cost limit", f"{free:.3f}", "1.00"),
            ("the same with the cost limit", f"{costed:.3f}", f"{costed / free:.2f}"),
        ]
        print_table(f"Access control per request ({engine.dialect.name}, {args.requests} requests each)",
                    ("request", "median ms", "ratio"), rows)  # fmt: skip
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
