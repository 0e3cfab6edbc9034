"""Every query of the API through HTTP, on SQLite and Postgres."""

from __future__ import annotations

from sqlalchemy import Engine

from mltrace_otel.span_record import SpanEventRecord, SpanLinkRecord, SpanRecord
from mltrace_otel.store.ingest import ingest_spans
from tests.graphql.client import GraphQL
from tests.graphql.dags import small_pipeline
from tests.helpers import TRACE, run_record

RUN_FIELDS = """
  id traceId parentId name kind isComponentRun componentName
  component { name owner description tags }
  startTime endTime durationMs status { code message }
  inputs { name kind flagged } outputs { name kind flagged }
  gitHash gitTags codeHash codeSnapshot notes serviceName attributes resource links events testResults
"""


def test_run_by_id_returns_every_field(api: GraphQL, engine: Engine) -> None:
    record = run_record(
        "train",
        0,
        2.5,
        inputs=["features.parquet"],
        outputs=["model.pkl"],
        status="ERROR",
        attributes={
            "mltrace.component.owner": "ml-team",
            "mltrace.component.description": "fits the model",
            "mltrace.tags": ["ml", "nightly"],
            "mltrace.code.git_hash": "abc123",
            "mltrace.code.git_tags": ["v1.2"],
            "mltrace.code.snapshot": "def train():\n    pass\n",
            "mltrace.notes": "first try",
            "ml.lr": 0.1,
        },
    )
    record = SpanRecord(
        **{
            **{f: getattr(record, f) for f in record.__dataclass_fields__},
            "status_message": "diverged",
            "resource": {"service.name": "trainer"},
            "events": (SpanEventRecord("mltrace.test", record.start_ns, {"test": "no_nulls", "passed": True}),),
            "links": (SpanLinkRecord(trace_id="ab" * 16, span_id="cd" * 8, attributes={"why": "retrain"}),),
        }
    )
    ingest_spans(engine, [record])
    run = api.data(f'{{ run(id: "{record.span_id.upper()}") {{ {RUN_FIELDS} }} }}')["run"]
    assert run["id"] == record.span_id
    assert run["traceId"] == TRACE
    assert run["parentId"] is None
    assert (run["name"], run["kind"], run["isComponentRun"], run["componentName"]) == (
        "train",
        "INTERNAL",
        True,
        "train",
    )
    assert run["component"] == {
        "name": "train",
        "owner": "ml-team",
        "description": "fits the model",
        "tags": ["ml", "nightly"],
    }
    assert run["startTime"].startswith("2023-11-14T22:13:20")
    assert run["durationMs"] == 2500.0
    assert run["status"] == {"code": "ERROR", "message": "diverged"}
    assert run["inputs"] == [{"name": "features.parquet", "kind": "data", "flagged": False}]
    assert run["outputs"] == [{"name": "model.pkl", "kind": "model", "flagged": False}]
    assert run["gitHash"] == "abc123"
    assert run["gitTags"] == ["v1.2"]
    assert run["codeSnapshot"] == "def train():\n    pass\n"
    assert len(run["codeHash"]) == 64
    assert run["notes"] == "first try"
    assert run["serviceName"] == "trainer"
    assert run["attributes"]["ml.lr"] == 0.1
    assert run["resource"] == {"service.name": "trainer"}
    # camelCase, as documented, whatever the store's own key names
    assert run["links"] == [{"traceId": "ab" * 16, "spanId": "cd" * 8, "attributes": {"why": "retrain"}}]
    assert run["events"] == [
        {
            "name": "mltrace.test",
            "timeUnixNano": str(record.start_ns),
            "attributes": {"test": "no_nulls", "passed": True},
        }
    ]
    assert run["testResults"] == [{"test": "no_nulls", "passed": True}]


def test_recent_runs_lists_component_runs_newest_first(api: GraphQL, engine: Engine) -> None:
    pipeline = small_pipeline(engine)
    data = api.data(
        "{ recentRuns(first: 10) { edges { cursor node { id } } nodes { name } pageInfo { hasNextPage } } }"
    )
    ids = [e["node"]["id"] for e in data["recentRuns"]["edges"]]
    assert ids == [pipeline.id(c) for c in ("infer", "train", "clean", "ingest")]
    assert [n["name"] for n in data["recentRuns"]["nodes"]] == ["infer", "train", "clean", "ingest"]
    assert data["recentRuns"]["pageInfo"]["hasNextPage"] is False


def test_history_of_one_component_within_a_time_range(api: GraphQL, engine: Engine) -> None:
    runs = [run_record("etl", 100 * i, 100 * i + 1, outputs=[f"out{i}.csv"]) for i in range(5)]
    ingest_spans(engine, [*runs, run_record("other", 50, 51)])
    query = """query($since: DateTime, $until: DateTime) {
      history(component: "etl", first: 10, since: $since, until: $until) { nodes { id componentName } } }"""
    everything = api.data(query)["history"]["nodes"]
    assert [n["id"] for n in everything] == [r.span_id for r in reversed(runs)]
    # Start times are 1_700_000_000 + 100 * i seconds; since/until are inclusive.
    window = api.data(query, {"since": "2023-11-14T22:15:00Z", "until": "2023-11-14T22:18:20+00:00"})
    assert [n["id"] for n in window["history"]["nodes"]] == [runs[3].span_id, runs[2].span_id, runs[1].span_id]


def test_trace_nests_dependencies_to_any_depth(api: GraphQL, engine: Engine) -> None:
    pipeline = small_pipeline(engine)
    data = api.data(
        """{ trace(output: "predictions.csv") { name dependencies { name dependencies { name
             dependencies { name dependencies { name } } } } } }"""
    )
    infer = data["trace"]
    assert infer["name"] == "infer"
    # infer read model.pkl (train) and clean.csv (clean): two dependencies, each listed once.
    assert sorted(d["name"] for d in infer["dependencies"]) == ["clean", "train"]
    train = next(d for d in infer["dependencies"] if d["name"] == "train")
    assert [d["name"] for d in train["dependencies"]] == ["clean"]
    assert [d["name"] for d in train["dependencies"][0]["dependencies"]] == ["ingest"]
    assert train["dependencies"][0]["dependencies"][0]["dependencies"] == []
    assert pipeline.id("infer")


def test_dependents_and_edges_say_what_links_runs(api: GraphQL, engine: Engine) -> None:
    pipeline = small_pipeline(engine)
    data = api.data(
        f"""{{ run(id: "{pipeline.id("clean")}") {{
            dependents {{ name }}
            dependentEdges {{ via kind run {{ name }} }}
            dependencyEdges {{ via kind run {{ id }} }} }} }}"""
    )["run"]
    assert sorted(d["name"] for d in data["dependents"]) == ["infer", "train"]
    assert sorted((e["via"], e["kind"], e["run"]["name"]) for e in data["dependentEdges"]) == [
        ("clean.csv", "io", "infer"),
        ("clean.csv", "io", "train"),
    ]
    assert data["dependencyEdges"] == [{"via": "raw.csv", "kind": "io", "run": {"id": pipeline.id("ingest")}}]


def test_lineage_upstream_and_downstream(api: GraphQL, engine: Engine) -> None:
    pipeline = small_pipeline(engine)
    up = api.data(
        """{ lineage(output: "predictions.csv") { roots nodes { run { name } depth } edges { from to via kind } } }"""
    )["lineage"]
    assert up["roots"] == [pipeline.id("infer")]
    assert {n["run"]["name"]: n["depth"] for n in up["nodes"]} == {"infer": 0, "train": 1, "clean": 1, "ingest": 2}
    assert {(e["from"], e["to"], e["via"]) for e in up["edges"]} == {
        (pipeline.id("ingest"), pipeline.id("clean"), "raw.csv"),
        (pipeline.id("clean"), pipeline.id("train"), "clean.csv"),
        (pipeline.id("clean"), pipeline.id("infer"), "clean.csv"),
        (pipeline.id("train"), pipeline.id("infer"), "model.pkl"),
    }
    down = api.data(
        f"""{{ lineage(runId: "{pipeline.id("clean")}", direction: DOWNSTREAM, maxDepth: 1) {{
              nodes {{ run {{ name }} depth }} edges {{ from to }} }} }}"""
    )["lineage"]
    assert {n["run"]["name"]: n["depth"] for n in down["nodes"]} == {"clean": 0, "train": 1, "infer": 1}
    # train -> infer is beyond maxDepth from clean's side; only edges walked from within the cap are listed.
    assert len(down["edges"]) == 2


def test_lineage_shapes_merged_edges_tree_and_node_facts(api: GraphQL, engine: Engine) -> None:
    # Two pointers between one pair of runs are one merged edge; a shared ancestor is expanded once in the tree.
    a = run_record("a", 0, 1, outputs=["x.csv", "y.csv"])
    b = run_record("b", 2, 3, inputs=["x.csv"], outputs=["b.csv"])
    c = run_record("c", 4, 5, inputs=["x.csv", "y.csv", "b.csv"], outputs=["c.csv"], status="ERROR")
    ingest_spans(engine, [a, b, c])
    api.data('mutation { flagOutput(name: "c.csv") { name } }')
    data = api.data(
        """{ lineage(output: "c.csv") { mergedEdges { from to via kind } tree { runId depth parent via shared }
             nodes { id depth componentName statusCode staleReasons outputs flaggedOutputs } } }"""
    )["lineage"]
    assert sorted((e["from"], e["to"], tuple(e["via"]), e["kind"]) for e in data["mergedEdges"]) == sorted(
        [
            (a.span_id, c.span_id, ("x.csv", "y.csv"), "io"),
            (b.span_id, c.span_id, ("b.csv",), "io"),
            (a.span_id, b.span_id, ("x.csv",), "io"),
        ]
    )
    # c's dependencies oldest first: a (expanded), then b, whose a is shown again as shared.
    assert [(r["runId"], r["depth"], r["parent"], r["via"], r["shared"]) for r in data["tree"]] == [
        (c.span_id, 0, None, [], False),
        (a.span_id, 1, 0, ["x.csv", "y.csv"], False),
        (b.span_id, 1, 0, ["b.csv"], False),
        (a.span_id, 2, 2, ["x.csv"], True),
    ]
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes[c.span_id] == {
        "id": c.span_id,
        "depth": 0,
        "componentName": "c",
        "statusCode": "ERROR",
        "staleReasons": [],
        "outputs": ["c.csv"],
        "flaggedOutputs": ["c.csv"],
    }
    assert nodes[a.span_id]["outputs"] == ["x.csv", "y.csv"] and nodes[a.span_id]["flaggedOutputs"] == []
    down = api.data(f'{{ lineage(runId: "{a.span_id}", direction: DOWNSTREAM) {{ tree {{ runId depth shared }} }} }}')[
        "lineage"
    ]["tree"]
    assert [(r["runId"], r["depth"], r["shared"]) for r in down] == [
        (a.span_id, 0, False),
        (b.span_id, 1, False),
        (c.span_id, 2, False),
        (c.span_id, 1, True),
    ]
    run = api.data(
        f'{{ run(id: "{c.span_id}") {{ dependenciesVia {{ via kind run {{ id }} }} }} '
        f'up: run(id: "{a.span_id}") {{ dependentsVia {{ via run {{ id }} }} }} }}'
    )
    assert run["run"]["dependenciesVia"] == [
        {"via": ["x.csv", "y.csv"], "kind": "io", "run": {"id": a.span_id}},
        {"via": ["b.csv"], "kind": "io", "run": {"id": b.span_id}},
    ]
    assert {n["run"]["id"]: n["via"] for n in run["up"]["dependentsVia"]} == {
        b.span_id: ["x.csv"],
        c.span_id: ["x.csv", "y.csv"],
    }


def test_components_tags_and_one_component(api: GraphQL, engine: Engine) -> None:
    small_pipeline(engine)
    score = run_record("score", 9, 10, attributes={"mltrace.component.owner": "ana", "mltrace.tags": ["ml"]})
    ingest_spans(engine, [score])
    data = api.data(
        """{ all: components { name } ml: components(tag: "ml") { name tags } ana: components(owner: "ana") { name }
             tags component(name: "score") { name owner tags } }"""
    )
    assert [c["name"] for c in data["all"]] == ["clean", "infer", "ingest", "score", "train"]
    assert [c["name"] for c in data["ml"]] == ["score", "train"]
    assert [c["name"] for c in data["ana"]] == ["score"]
    assert data["tags"] == ["ml"]
    assert data["component"] == {"name": "score", "owner": "ana", "tags": ["ml"]}


def test_io_pointer_with_producers_and_consumers(api: GraphQL, engine: Engine) -> None:
    pipeline = small_pipeline(engine)
    data = api.data(
        """{ ioPointer(name: "clean.csv") { name kind flagged flaggedAt createdAt
             producers { id } consumers { name } newest: consumers(first: 1) { name } } }"""
    )["ioPointer"]
    assert (data["name"], data["kind"], data["flagged"], data["flaggedAt"]) == ("clean.csv", "data", False, None)
    assert data["createdAt"] is not None
    assert data["producers"] == [{"id": pipeline.id("clean")}]
    assert [c["name"] for c in data["consumers"]] == ["infer", "train"]
    assert data["newest"] == [{"name": "infer"}]


def test_flagged_outputs_and_review_rank_the_shared_culprit(api: GraphQL, engine: Engine) -> None:
    # Two models from two cleans; only predictions from the bad clean are flagged.
    records = [
        run_record("ingest", 0, 1, outputs=["raw.csv"]),
        run_record("clean", 2, 3, inputs=["raw.csv"], outputs=["good.csv"]),
        run_record("clean", 2, 3, inputs=["raw.csv"], outputs=["bad.csv"]),
    ]
    for i in range(3):
        records.append(run_record("infer", 5 + i, 6 + i, inputs=["bad.csv"], outputs=[f"bad-pred{i}"]))
        records.append(run_record("infer", 5 + i, 6 + i, inputs=["good.csv"], outputs=[f"good-pred{i}"]))
    ingest_spans(engine, records)
    bad_clean = records[2].span_id
    for i in range(3):
        api.data(f'mutation {{ flagOutput(name: "bad-pred{i}") {{ flagged }} }}')
    data = api.data(
        """{ flaggedOutputs { name flagged }
             review(limit: 3) { totalFailed totalPassed unproduced flagged { name }
               runs { run { id componentName } failed passed coverage ochiai explanation }
               components { name component { name } failed passed runs coverage ochiai explanation } } }"""
    )
    assert sorted(p["name"] for p in data["flaggedOutputs"]) == ["bad-pred0", "bad-pred1", "bad-pred2"]
    review = data["review"]
    assert (review["totalFailed"], review["totalPassed"], review["unproduced"]) == (3, 3, [])
    assert len(review["runs"]) == 3
    top = review["runs"][0]
    # The bad clean is in every flagged trace and no unflagged one: Ochiai 1. Ingest is everywhere: lower.
    assert top["run"]["id"] == bad_clean and top["ochiai"] == 1.0 and (top["failed"], top["passed"]) == (3, 0)
    assert "Ochiai" in top["explanation"]
    ingest = next(c for c in review["components"] if c["name"] == "ingest")
    assert ingest["ochiai"] < 1.0 and ingest["coverage"] == 1.0 and ingest["component"] == {"name": "ingest"}


def test_stale_reasons_name_the_superseded_dependency(api: GraphQL, engine: Engine) -> None:
    old = run_record("clean", 0, 1, outputs=["clean.csv"])
    consumer = run_record("train", 2, 3, inputs=["clean.csv"], outputs=["model.pkl"])
    ingest_spans(engine, [old, consumer])
    newer = run_record("clean", 10, 11, outputs=["clean.csv"])
    ingest_spans(engine, [newer])
    stale = api.data(
        f'{{ run(id: "{consumer.span_id}") {{ stale {{ reason dependencyId dependency {{ id }} '
        "newerRunId newerRun { id } } } }"
    )["run"]["stale"]
    assert len(stale) == 1
    assert stale[0]["dependencyId"] == old.span_id and stale[0]["dependency"] == {"id": old.span_id}
    assert stale[0]["newerRunId"] == newer.span_id and stale[0]["newerRun"] == {"id": newer.span_id}
    assert "superseded" in stale[0]["reason"]


def test_otel_trace_lists_every_span_flat_with_parents(api: GraphQL, engine: Engine) -> None:
    root = run_record("pipeline", 0, 10, trace_id="cd" * 16)
    child = run_record("etl", 1, 2, trace_id="cd" * 16, outputs=["x.csv"])
    child = SpanRecord(**{**{f: getattr(child, f) for f in child.__dataclass_fields__}, "parent_span_id": root.span_id})
    plain = SpanRecord(
        trace_id="cd" * 16,
        span_id="00000000000f0001",
        parent_span_id=child.span_id,
        name="SELECT users",
        kind="CLIENT",
        start_ns=child.start_ns + 10,
        end_ns=child.start_ns + 20,
    )
    ingest_spans(engine, [plain, child, root])
    data = api.data('{ otelTrace(traceId: "' + "CD" * 16 + '") { traceId spans { id parentId name isComponentRun } } }')
    assert data["otelTrace"]["traceId"] == "cd" * 16
    assert data["otelTrace"]["spans"] == [
        {"id": root.span_id, "parentId": None, "name": "pipeline", "isComponentRun": True},
        {"id": child.span_id, "parentId": root.span_id, "name": "etl", "isComponentRun": True},
        {"id": plain.span_id, "parentId": child.span_id, "name": "SELECT users", "isComponentRun": False},
    ]


def test_graphiql_on_get_from_a_browser(http: object) -> None:
    from starlette.testclient import TestClient

    assert isinstance(http, TestClient)
    page = http.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    # Queries travel by POST only: no queries in URLs (logs, CSRF by link).
    refused = http.get("/graphql", params={"query": "{ tags }"}, headers={"accept": "application/json"})
    assert refused.status_code in (400, 405)
