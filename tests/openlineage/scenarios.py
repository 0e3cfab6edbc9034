"""The OpenLineage events an Airflow DAG running a dbt project sends, built with the real openlineage-python client.

One day of ``daily_sales`` (namespace ``airflow``): the DAG run, then its tasks, each with the facets Airflow's
OpenLineage provider attaches (parent and root run, nominal time, processing engine, job type):
- ``export_orders`` writes ``file:/data/exports/orders.csv``;
- (a Python step logged with mltrace-otel reads that file and loads ``analytics.raw.orders``: see the tests);
- ``dbt_build`` runs ``dbt build``, whose own events (namespace ``dbt``) hang under it: the dbt run, then the
  models ``stg_orders`` (reads raw.orders), ``orders_daily`` (reads stg_orders) and ``orders_by_region``, which
  fails with dbt's database error;
- ``publish`` uploads orders_daily to ``s3://lake/exports/orders_daily.parquet``;
- a Spark job (namespace ``spark``) reads that object as ``s3a://lake`` and writes ``file:///data/reports//summary.json``.
Times are seconds after ``t0``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    documentation_job,
    error_message_run,
    job_type_job,
    nominal_time_run,
    output_statistics_output_dataset,
    ownership_job,
    parent_run,
    processing_engine_run,
    schema_dataset,
    sql_job,
)

WAREHOUSE = "postgres://warehouse:5432"
AIRFLOW_PRODUCER = "https://github.com/apache/airflow/tree/providers-openlineage/2.1.0"
DBT_PRODUCER = "https://github.com/OpenLineage/OpenLineage/tree/1.54.0/integration/dbt"
SPARK_PRODUCER = "https://github.com/OpenLineage/OpenLineage/tree/1.54.0/integration/spark"
DBT_ERROR = (
    'Database Error in model orders_by_region (models/marts/orders_by_region.sql)\n  column "region" does not exist'
)


@dataclass(frozen=True)
class Step:
    run_id: str
    namespace: str
    name: str

    @property
    def component(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass
class Day:
    t0: datetime
    events: list[RunEvent] = field(default_factory=list)
    steps: dict[str, Step] = field(default_factory=dict)

    def at(self, seconds: float) -> str:
        return (self.t0 + timedelta(seconds=seconds)).isoformat()


def _schema(*columns: str) -> schema_dataset.SchemaDatasetFacet:
    return schema_dataset.SchemaDatasetFacet(
        fields=[schema_dataset.SchemaDatasetFacetFields(name=c, type="varchar") for c in columns]
    )


def airflow_dbt_day(t0: datetime | None = None) -> Day:
    day = Day(t0 or datetime.now(UTC) - timedelta(hours=2))
    dag = Step(str(uuid.uuid4()), "airflow", "daily_sales")
    day.steps["dag"] = dag
    root = parent_run.Root(
        run=parent_run.RootRun(runId=dag.run_id), job=parent_run.RootJob(namespace=dag.namespace, name=dag.name)
    )
    nominal = nominal_time_run.NominalTimeRunFacet(nominalStartTime=day.at(0), nominalEndTime=day.at(86_400))
    engine = processing_engine_run.ProcessingEngineRunFacet(
        version="2.10.2", name="Airflow", openlineageAdapterVersion="2.1.0"
    )

    def parent_of(step: Step) -> parent_run.ParentRunFacet:
        return parent_run.ParentRunFacet(
            run=parent_run.Run(runId=step.run_id), job=parent_run.Job(namespace=step.namespace, name=step.name),
            root=root,
        )  # fmt: skip

    def emit(
        step: Step, state: RunState, seconds: float, producer: str, run_facets: dict[str, object],
        job_facets: dict[str, object], inputs: list[InputDataset] | None = None,
        outputs: list[OutputDataset] | None = None,
    ) -> None:  # fmt: skip
        day.events.append(
            RunEvent(
                eventType=state,
                eventTime=day.at(seconds),
                run=Run(runId=step.run_id, facets=run_facets),  # type: ignore[arg-type]
                job=Job(namespace=step.namespace, name=step.name, facets=job_facets),  # type: ignore[arg-type]
                inputs=inputs or [],
                outputs=outputs or [],
                producer=producer,
            )
        )

    def airflow_task(
        key: str, task: str, start: float, end: float, *, inputs: list[InputDataset] | None = None,
        outputs: list[OutputDataset] | None = None,
    ) -> Step:  # fmt: skip
        step = Step(str(uuid.uuid4()), "airflow", f"daily_sales.{task}")
        day.steps[key] = step
        facets = {"parent": parent_of(dag), "nominalTime": nominal, "processing_engine": engine}
        job_facets = {
            "jobType": job_type_job.JobTypeJobFacet(processingType="BATCH", integration="AIRFLOW", jobType="TASK"),
            "ownership": ownership_job.OwnershipJobFacet(owners=[ownership_job.Owner(name="data-platform")]),
        }
        emit(step, RunState.START, start, AIRFLOW_PRODUCER, facets, job_facets, inputs, outputs)
        emit(step, RunState.COMPLETE, end, AIRFLOW_PRODUCER, facets, job_facets, inputs, outputs)
        return step

    dag_facets = {"nominalTime": nominal, "processing_engine": engine}
    dag_job = {"jobType": job_type_job.JobTypeJobFacet(processingType="BATCH", integration="AIRFLOW", jobType="DAG")}
    emit(dag, RunState.START, 0, AIRFLOW_PRODUCER, dag_facets, dag_job)
    airflow_task("export_orders", "export_orders", 10, 40, outputs=[OutputDataset("file", "/data/exports/orders.csv")])
    # 50..80: the Python step that loads the export into analytics.raw.orders (logged by the tests with mltrace).
    build = airflow_task("dbt_build", "dbt_build", 90, 300)

    dbt_run = Step(str(uuid.uuid4()), "dbt", "dbt-run-shop")
    day.steps["dbt_run"] = dbt_run
    dbt_job = {"jobType": job_type_job.JobTypeJobFacet(processingType="BATCH", integration="DBT", jobType="JOB")}
    dbt_engine = processing_engine_run.ProcessingEngineRunFacet(version="1.8.7", name="dbt")
    emit(dbt_run, RunState.START, 95, DBT_PRODUCER, {"parent": parent_of(build), "processing_engine": dbt_engine},
         dbt_job)  # fmt: skip

    def model(key: str, name: str, reads: str, start: float, end: float, *, error: str | None = None) -> Step:
        step = Step(str(uuid.uuid4()), "dbt", f"analytics.{name}")
        day.steps[key] = step
        facets: dict[str, object] = {"parent": parent_of(dbt_run), "processing_engine": dbt_engine}
        job_facets = {
            "jobType": job_type_job.JobTypeJobFacet(processingType="BATCH", integration="DBT", jobType="MODEL"),
            "sql": sql_job.SQLJobFacet(query=f"select * from {reads}", dialect="postgres"),
            "documentation": documentation_job.DocumentationJobFacet(description=f"the {name} model"),
        }
        inputs = [InputDataset(WAREHOUSE, reads, facets={"schema": _schema("order_id", "amount")})]
        outputs = [
            OutputDataset(
                WAREHOUSE,
                f"analytics.{name}",
                facets={"schema": _schema("order_id", "amount")},
                outputFacets={
                    "outputStatistics": output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(rowCount=42)
                },
            )
        ]
        emit(step, RunState.START, start, DBT_PRODUCER, facets, job_facets, inputs, outputs)
        if error is None:
            emit(step, RunState.COMPLETE, end, DBT_PRODUCER, facets, job_facets, inputs, outputs)
        else:
            failed = {
                **facets,
                "errorMessage": error_message_run.ErrorMessageRunFacet(message=error, programmingLanguage="sql"),
            }
            emit(step, RunState.FAIL, end, DBT_PRODUCER, failed, job_facets, inputs, outputs)  # fmt: skip
        return step

    model("stg_orders", "staging.stg_orders", "analytics.raw.orders", 100, 150)
    model("orders_daily", "marts.orders_daily", "analytics.staging.stg_orders", 160, 200)
    model("orders_by_region", "marts.orders_by_region", "analytics.staging.stg_orders", 205, 220, error=DBT_ERROR)
    emit(dbt_run, RunState.COMPLETE, 295, DBT_PRODUCER, {"parent": parent_of(build)}, dbt_job)

    airflow_task(
        "publish", "publish", 310, 330,
        inputs=[InputDataset(WAREHOUSE, "analytics.marts.orders_daily")],
        outputs=[OutputDataset("s3://lake", "exports/orders_daily.parquet")],
    )  # fmt: skip
    emit(dag, RunState.COMPLETE, 340, AIRFLOW_PRODUCER, dag_facets, dag_job)

    spark = Step(str(uuid.uuid4()), "spark", "summarize_orders")
    day.steps["spark"] = spark
    spark_job = {"jobType": job_type_job.JobTypeJobFacet(processingType="BATCH", integration="SPARK", jobType="JOB")}
    spark_in = [InputDataset("s3a://lake", "exports/orders_daily.parquet")]
    spark_out = [OutputDataset("file", "file:///data/reports//summary.json")]
    spark_engine = {"processing_engine": processing_engine_run.ProcessingEngineRunFacet(version="3.5.1", name="spark")}
    emit(spark, RunState.START, 350, SPARK_PRODUCER, spark_engine, spark_job, spark_in, spark_out)
    emit(spark, RunState.RUNNING, 360, SPARK_PRODUCER, spark_engine, spark_job, spark_in, spark_out)
    emit(spark, RunState.COMPLETE, 380, SPARK_PRODUCER, spark_engine, spark_job, spark_in, spark_out)
    return day
