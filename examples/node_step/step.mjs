// A pipeline step written in Node.js: reads a CSV of numbers, writes it back with standardised columns, and
// records the run with the plain OpenTelemetry JS SDK. mltrace-otel learns of it over OTLP/HTTP like any other
// backend would: the span carries `mltrace.component`, `mltrace.inputs` and `mltrace.outputs`, and that is all
// it takes for the run to join the lineage of the Python steps around it.
//
//   node step.mjs <input.csv> <output.csv>
//
// Environment:
//   MLTRACE_OTLP_ENDPOINT   the mltrace-otel server (or a Collector), e.g. http://127.0.0.1:8080
//   MLTRACE_INGEST_TOKEN    the server's bearer token, when it has one
//   TRACEPARENT             set by a parent process (mltrace_otel.child_env()): the run joins that trace
import { readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";

import { ROOT_CONTEXT, SpanKind, SpanStatusCode, defaultTextMapGetter, trace } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error("usage: node step.mjs <input.csv> <output.csv>");
  process.exit(2);
}

const endpoint = (process.env.MLTRACE_OTLP_ENDPOINT ?? "http://127.0.0.1:8080").replace(/\/+$/, "");
const headers = process.env.MLTRACE_INGEST_TOKEN ? { Authorization: `Bearer ${process.env.MLTRACE_INGEST_TOKEN}` } : {};

// The SDK reports export failures only through the result callback: remember them so the step can fail loudly.
const exportErrors = [];
const otlp = new OTLPTraceExporter({ url: `${endpoint}/v1/traces`, headers });
const exporter = {
  export(spans, done) {
    otlp.export(spans, (result) => {
      if (result.code !== 0) exportErrors.push(result.error ?? new Error("export failed"));
      done(result);
    });
  },
  shutdown: () => otlp.shutdown(),
  forceFlush: () => otlp.forceFlush(),
};
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ "service.name": "node-step", "process.runtime.name": "nodejs" }),
  spanProcessors: [new SimpleSpanProcessor(exporter)],
});
const tracer = provider.getTracer("mltrace-otel-node-step", "0.1.0");

// Join the parent process's trace when it passed one (W3C traceparent in an environment variable).
const carrier = process.env.TRACEPARENT ? { traceparent: process.env.TRACEPARENT } : {};
const parent = new W3CTraceContextPropagator().extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);

function standardise(rows) {
  const columns = rows[0].length;
  const stats = Array.from({ length: columns }, (_, c) => {
    const values = rows.map((r) => r[c]);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length) || 1;
    return { mean, sd };
  });
  return rows.map((r) => r.map((v, c) => (v - stats[c].mean) / stats[c].sd));
}

const run = tracer.startSpan(
  "featurize",
  {
    kind: SpanKind.INTERNAL,
    attributes: {
      "mltrace.component": "featurize-js",
      "mltrace.inputs": [input],
      "mltrace.outputs": [output],
      "mltrace.tags": ["node", "features"],
      "mltrace.component.description": "standardises every numeric column (Node.js)",
      "code.file.path": basename(import.meta.filename ?? "step.mjs"),
    },
  },
  parent,
);
const runContext = trace.setSpan(parent, run);
try {
  const read = tracer.startSpan("read-csv", {}, runContext);
  const [header, ...lines] = readFileSync(input, "utf8").trim().split("\n");
  const rows = lines.map((line) => line.split(",").map(Number));
  read.setAttribute("rows", rows.length);
  read.end();

  const features = standardise(rows);
  writeFileSync(output, [header, ...features.map((r) => r.map((v) => v.toFixed(6)).join(","))].join("\n") + "\n");
  run.addEvent("features.written", { rows: features.length, columns: header.split(",").length });
  run.setStatus({ code: SpanStatusCode.OK });
} catch (error) {
  run.recordException(error);
  run.setStatus({ code: SpanStatusCode.ERROR, message: String(error.message ?? error) });
  process.exitCode = 1;
} finally {
  run.end();
  await provider.shutdown();
}

if (exportErrors.length) {
  console.error(`could not send the run to ${endpoint}/v1/traces: ${exportErrors.map(String).join("; ")}`);
  process.exitCode = 1;
} else {
  console.log(`featurize-js: ${input} -> ${output} (run ${run.spanContext().spanId})`);
}
