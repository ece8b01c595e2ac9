/**
 * Optional OpenTelemetry tracing, one trace from the HTTP API request through the workflow to
 * the provider call: the API opens a span per request; the client interceptor carries its
 * context into the workflow start; the workflow and activity interceptors continue it.
 *
 * `OTEL_TRACES_EXPORTER=console` prints finished spans; `none` (the default) turns tracing off.
 * Tests pass their own span processor (an in-memory exporter).
 */
import { context, propagation, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, ConsoleSpanExporter, SimpleSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import { tracingSettings, type Env } from '../domain/config.js';

export interface Tracing {
  tracer: Tracer;
  /** Give to both Client and Worker (`plugins: [tracing.plugin]`). */
  plugin: OpenTelemetryPlugin;
  shutdown(): Promise<void>;
}

let contextManagerInstalled = false;

/** Tracing with the given span processor. */
export function createTracing(serviceName: string, spanProcessor: SpanProcessor): Tracing {
  if (!contextManagerInstalled) {
    // Spans must follow async calls (the API request -> the client's start call).
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    // The client interceptor writes the span context into the workflow's headers with the
    // global propagator (a no-op until one is set).
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    contextManagerInstalled = true;
  }
  const resource = new Resource({ 'service.name': serviceName });
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  const tracer = provider.getTracer('refund-orchestrator');
  return {
    tracer,
    plugin: new OpenTelemetryPlugin({ resource, spanProcessor, tracer }),
    shutdown: () => provider.shutdown(),
  };
}

/** Tracing from the environment (OTEL_TRACES_EXPORTER, OTEL_SERVICE_NAME: domain/config.ts), or undefined when off. */
export function tracingFromEnv(serviceName: string, env: Env = process.env): Tracing | undefined {
  const settings = tracingSettings(env);
  if (settings.exporter === 'none') return undefined;
  return createTracing(settings.serviceName ?? serviceName, new SimpleSpanProcessor(new ConsoleSpanExporter()));
}
