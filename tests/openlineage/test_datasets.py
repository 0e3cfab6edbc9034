"""Dataset naming: the same data named by different tools is one IO pointer."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mltrace_otel.openlineage.datasets import dataset_for, pointer_for


@pytest.mark.parametrize(
    ("namespace", "name", "pointer"),
    [
        ("file", "/data/raw/x.csv", "/data/raw/x.csv"),  # Airflow, OpenLineage's naming spec
        ("file", "file:///data/raw/x.csv", "/data/raw/x.csv"),  # Spark spells the whole URI
        ("file", "file:/data/raw/x.csv", "/data/raw/x.csv"),  # Hadoop's one-slash URI
        ("file", "/data/./raw//x.csv", "/data/raw/x.csv"),
        ("file://worker-3", "/data/raw/x.csv", "/data/raw/x.csv"),  # the host is dropped
        ("file", "file:///data/my%20file.csv", "/data/my file.csv"),
        ("s3://lake", "raw/x.parquet", "s3://lake/raw/x.parquet"),
        ("s3a://lake", "raw/x.parquet", "s3://lake/raw/x.parquet"),  # Hadoop's s3a is S3
        ("s3n://lake/", "/raw/x.parquet", "s3://lake/raw/x.parquet"),
        ("s3://lake", "s3a://lake/raw/x.parquet", "s3://lake/raw/x.parquet"),  # the name repeats the URI
        ("gs://bucket", "a/b.json", "gs://bucket/a/b.json"),
        ("hdfs://nn:8020", "/warehouse/t", "hdfs://nn:8020/warehouse/t"),
        ("postgres://warehouse:5432", "analytics.raw.orders", "postgres://warehouse:5432/analytics.raw.orders"),
        ("kafka://broker:9092", "events", "kafka://broker:9092/events"),
        ("mltrace", "model.pkl", "model.pkl"),  # plain mltrace pointers
        ("bigquery", "proj.ds.table", "bigquery/proj.ds.table"),
    ],
)
def test_naming_rules(namespace: str, name: str, pointer: str) -> None:
    assert pointer_for(namespace, name) == pointer


@pytest.mark.parametrize(
    ("pointer", "dataset"),
    [
        ("/data/raw/x.csv", ("file", "/data/raw/x.csv")),
        ("s3://lake/raw/x.parquet", ("s3://lake", "raw/x.parquet")),
        ("postgres://warehouse:5432/analytics.raw.orders", ("postgres://warehouse:5432", "analytics.raw.orders")),
        ("model.pkl", ("mltrace", "model.pkl")),
        ("data/clean.csv", ("mltrace", "data/clean.csv")),
        ("s3://lake", ("mltrace", "s3://lake")),
    ],
)
def test_pointers_go_out_as_the_datasets_other_tools_name(pointer: str, dataset: tuple[str, str]) -> None:
    assert dataset_for(pointer) == dataset


_segment = st.text(alphabet="abcxyz019_-.", min_size=1, max_size=8).filter(lambda s: s not in (".", ".."))
# Pointers already in normal form: absolute paths without empty or dot segments, relative names, URIs whose
# scheme is lowercase (and not one of Hadoop's aliases).
_normal_pointers = st.one_of(
    st.lists(_segment, min_size=1, max_size=4).map(lambda p: "/" + "/".join(p)),
    st.lists(_segment, min_size=1, max_size=4).map("/".join),
    st.tuples(st.sampled_from(["s3", "gs", "postgres", "https"]), _segment, st.lists(_segment, max_size=3)).map(
        lambda t: f"{t[0]}://{t[1]}/" + "/".join(t[2])
    ),
)


@given(_normal_pointers)
def test_a_pointer_that_goes_out_and_comes_back_is_the_same(pointer: str) -> None:
    assert pointer_for(*dataset_for(pointer)) == pointer


@given(st.text(min_size=1, max_size=30))
def test_normalising_any_name_is_idempotent(pointer: str) -> None:
    normal = pointer_for(*dataset_for(pointer))
    assert pointer_for(*dataset_for(normal)) == normal
