"""mltrace-otel: coarse-grained lineage for ML pipelines, on OpenTelemetry.

Record runs with ``@register``, ``component_run``, ``Component`` or plain OTel spans carrying
``mltrace.component``; ask which runs, code and data produced an output with ``backtrace`` or the server.
``import mltrace_otel as mltrace`` is mltrace 0.17's API (``mltrace_otel.entities`` its ``mltrace.entities``).

Heavy parts (SQLAlchemy, the query layer) load on first use, so ``import mltrace_otel`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    # instrumentation
    "configure": "mltrace_otel.instrument.configure",
    "flush": "mltrace_otel.instrument.configure",
    "shutdown": "mltrace_otel.instrument.configure",
    "export_status": "mltrace_otel.instrument.configure",
    "ExportStatus": "mltrace_otel.delivery.status",
    "component_run": "mltrace_otel.instrument.runs",
    "register": "mltrace_otel.instrument.runs",
    "current_run": "mltrace_otel.instrument.run_handle",
    "RunHandle": "mltrace_otel.instrument.run_handle",
    "Component": "mltrace_otel.instrument.component",
    "Test": "mltrace_otel.instrument.component",
    "ComponentTestFailure": "mltrace_otel.instrument.component",
    "ComponentRun": "mltrace_otel.entities.component_run",
    "IOPointer": "mltrace_otel.entities.io_pointer",
    "PointerTypeEnum": "mltrace_otel.entities.io_pointer",
    "components": "mltrace_otel.entities",
    "tests": "mltrace_otel.entities",
    "log_component_run": "mltrace_otel.instrument.manual",
    "save": "mltrace_otel.instrument.artifacts",
    "load": "mltrace_otel.instrument.artifacts",
    "child_env": "mltrace_otel.instrument.propagation",
    "inject_headers": "mltrace_otel.instrument.propagation",
    "context_from_env": "mltrace_otel.instrument.propagation",
    "context_from_headers": "mltrace_otel.instrument.propagation",
    "MltraceSpanExporter": "mltrace_otel.exporter",
    # mltrace 0.17 API
    "set_db_uri": "mltrace_otel.api",
    "clean_db": "mltrace_otel.api",
    "get_git_hash": "mltrace_otel.api",
    "get_git_tags": "mltrace_otel.api",
    "get_db_uri": "mltrace_otel.api",
    "set_address": "mltrace_otel.api",
    "create_component": "mltrace_otel.api",
    "tag_component": "mltrace_otel.api",
    "get_history": "mltrace_otel.api",
    "get_recent_run_ids": "mltrace_otel.api",
    "get_component_run_information": "mltrace_otel.api",
    "get_component_information": "mltrace_otel.api",
    "get_components": "mltrace_otel.api",
    "get_all_tags": "mltrace_otel.api",
    "get_io_pointer": "mltrace_otel.api",
    "backtrace": "mltrace_otel.api",
    "web_trace": "mltrace_otel.api",
    "flag_output_id": "mltrace_otel.api",
    "unflag_output_id": "mltrace_otel.api",
    "unflag_all": "mltrace_otel.api",
    "review_flagged_outputs": "mltrace_otel.api",
    "review_details": "mltrace_otel.api",
    "add_notes_to_component_run": "mltrace_otel.api",
    "create_random_ids": "mltrace_otel.api",
    "latest_producer": "mltrace_otel.api",
    "RunInfo": "mltrace_otel.api",
    "NotFound": "mltrace_otel.queries.errors",
    "InvalidArgument": "mltrace_otel.queries.errors",
    "ConfigError": "mltrace_otel.config",
    # monitoring: outputs, feedback, metrics (mltrace's Task API)
    "log_output": "mltrace_otel.monitoring.emit",
    "log_outputs": "mltrace_otel.monitoring.emit",
    "log_feedback": "mltrace_otel.monitoring.emit",
    "log_feedbacks": "mltrace_otel.monitoring.emit",
    "flush_logs": "mltrace_otel.monitoring.emit",
    "Task": "mltrace_otel.monitoring.task",
    "Metric": "mltrace_otel.monitoring.task",
    "supported_sklearn_metrics": "mltrace_otel.monitoring.task",
}

__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mltrace_otel' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
