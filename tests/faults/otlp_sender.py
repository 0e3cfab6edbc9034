"""An OTLP sender for the fault suite: ``python -m tests.faults.otlp_sender URL N PREFIX``.

The official OpenTelemetry Python SDK and OTLP/HTTP exporter, as any other service would use them: N run-shaped
spans in a tight loop, then a flush. Prints one JSON line: how many it sent and whether the flush succeeded.
"""

from __future__ import annotations

import json
import sys

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor


def main() -> None:
    url, count, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    provider = TracerProvider(resource=Resource.create({"service.name": "otlp-sender"}))
    # The exporter retries a batch for `timeout` seconds (default 10): time for a killed server to come back up
    # on a busy machine. An outage longer than a sender's budget is what a Collector's persistent queue is for.
    exporter = OTLPSpanExporter(endpoint=url, timeout=60)
    provider.add_span_processor(BatchSpanProcessor(exporter, max_queue_size=count))
    tracer = provider.get_tracer("fault-suite")
    for i in range(count):
        attributes = {"mltrace.component": f"{prefix}-step", "mltrace.outputs": [f"{prefix}/out-{i}"]}
        with tracer.start_as_current_span(f"{prefix}-step", attributes=attributes):
            pass
    flushed = provider.force_flush(120_000)
    provider.shutdown()
    print(json.dumps({"sent": count, "flushed": flushed}), flush=True)


if __name__ == "__main__":
    main()
