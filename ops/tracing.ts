/**
 * Optional OpenTelemetry tracing, one trace from the HTTP API request through the workflow to
 * the provider call: the API opens a span per request; the client interceptor carries its
 * context into the workflow start; the workflow and activity interceptors continue it.
 *
 * From the standard variables (domain/config.ts tracingSettings): OTLP/HTTP (JSON) to
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_EXPORTER_OTLP_ENDPOINT + `/v1/traces`, whenever an
 * endpoint is set (or OTEL_TRACES_EXPORTER=otlp), with OTEL_EXPORTER_OTLP_[TRACES_]HEADERS;
 * spans are batched (OTEL_BSP_* tune it, read by the SDK, as are OTEL_EXPORTER_OTLP_TIMEOUT and
 * _COMPRESSION). `OTEL_TRACES_EXPORTER=console` prints finished spans; `none`, or no endpoint,
 * turns tracing off. The resource is the service name (OTEL_SERVICE_NAME, else the process's
 * own) plus OTEL_RESOURCE_ATTRIBUTES and the SDK's own attributes.
 * Tests pass their own span processor (an in-memory exporter) to createTracing.
 */
import { context, propagation, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource, envDetectorSync } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import { tracingSettings, type Env } from '../domain/config.js';

export interface Tracing {
  tracer: Tracer;
  /** Give to both Client and Worker (`plugins: [tracing.plugin]`). */
  plugin: OpenTelemetryPlugin;
  /** Flushes the spans still batched, then stops. */
  shutdown(): Promise<void>;
}

let contextManagerInstalled = false;

/** Tracing with the given span processor; `attributes` are added to the resource. */
export function createTracing(serviceName: string, spanProcessor: SpanProcessor, attributes: Record<string, string> = {}): Tracing {
  if (!contextManagerInstalled) {
    // Spans must follow async calls (the API request -> the client's start call).
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    // The client interceptor writes the span context into the workflow's headers with the
    // global propagator (a no-op until one is set).
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    contextManagerInstalled = true;
  }
  const resource = new Resource({ ...attributes, 'service.name': serviceName });
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  const tracer = provider.getTracer('refund-orchestrator');
  return {
    tracer,
    plugin: new OpenTelemetryPlugin({ resource, spanProcessor, tracer }),
    shutdown: () => provider.shutdown(),
  };
}

/** `key=value,key2=value2` (values percent-decoded), as OpenTelemetry defines OTEL_EXPORTER_OTLP_HEADERS. */
export function parseOtlpHeaders(value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (value ?? '').split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    out[pair.slice(0, eq).trim()] = decodeURIComponent(pair.slice(eq + 1).trim());
  }
  return out;
}

/** The resource attributes from OTEL_RESOURCE_ATTRIBUTES and the SDK's (telemetry.sdk.*), as strings. */
function environmentAttributes(): Record<string, string> {
  const merged = Resource.default().merge(envDetectorSync.detect());
  return Object.fromEntries(Object.entries(merged.attributes).map(([k, v]) => [k, String(v)]));
}

/** Tracing from the environment (OTEL_*: domain/config.ts), or undefined when off. */
export function tracingFromEnv(serviceName: string, env: Env = process.env): Tracing | undefined {
  const settings = tracingSettings(env);
  const name = settings.serviceName ?? serviceName;
  if (settings.exporter === 'none') return undefined;
  if (settings.exporter === 'console') return createTracing(name, new SimpleSpanProcessor(new ConsoleSpanExporter()), environmentAttributes());
  const exporter = new OTLPTraceExporter({
    url: settings.otlpTracesUrl!,
    headers: { ...parseOtlpHeaders(env.OTEL_EXPORTER_OTLP_HEADERS), ...parseOtlpHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS) },
  });
  return createTracing(name, new BatchSpanProcessor(exporter), environmentAttributes());
}
