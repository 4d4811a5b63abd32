/**
 * The server's Prometheus metrics, on a registry of its own (one per app, so that apps in one process do
 * not share counters). Gauges are read from the service when scraped.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { TaskService } from '../tasks/service.js';

const SECONDS = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1_800, 3_600, 10_800];

export class Metrics {
  readonly registry = new Registry();
  readonly generations = new Counter({
    name: 'bic_generations_total',
    help: 'Generations that ended, by kind, model (the video mode for videos) and outcome (COMPLETED or the error code).',
    labelNames: ['kind', 'model', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'bic_generation_duration_seconds',
    help: 'From request to the end of the generation, by kind, model and outcome.',
    labelNames: ['kind', 'model', 'outcome'] as const,
    buckets: SECONDS,
    registers: [this.registry],
  });
  readonly submits = new Counter({
    name: 'bic_bing_submits_total',
    help: 'Generations Bing accepted, by kind.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly polls = new Counter({
    name: 'bic_bing_polls_total',
    help: 'Polls for a result, by kind.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly retries = new Counter({
    name: 'bic_bing_retries_total',
    help: 'Polls retried after a failed answer, by kind.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly upstreamErrors = new Counter({
    name: 'bic_upstream_errors_total',
    help: "Bing's failed answers (retried or final), by the client's error code.",
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly http = new Counter({
    name: 'bic_http_requests_total',
    help: 'HTTP requests answered, by route and status.',
    labelNames: ['route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'bic_http_request_duration_seconds',
    help: 'HTTP request durations, by route.',
    labelNames: ['route'] as const,
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 300],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'bic_' });
  }

  /** The gauges read from the service at each scrape; none are reported before it exists. */
  gauges(serviceOf: () => TaskService | undefined): void {
    new Gauge({
      name: 'bic_queue_length',
      help: 'Generations in this process waiting for a Bing slot.',
      registers: [this.registry],
      collect() {
        const service = serviceOf();
        if (service) this.set(service.load().queued);
      },
    });
    new Gauge({
      name: 'bic_subscriptions_open',
      help: 'Task subscriptions open (GraphQL over WebSocket and SSE).',
      registers: [this.registry],
      collect() {
        const service = serviceOf();
        if (service) this.set(service.load().subscriptions);
      },
    });
    new Gauge({
      name: 'bic_accounts',
      help: 'Bing accounts of the pool, by state (active, expired, cooling, disabled).',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        const health = await serviceOf()?.health();
        if (!health) return;
        for (const [state, count] of Object.entries(health.accountStates)) this.set({ state }, count);
      },
    });
    new Gauge({
      name: 'bic_active_tasks',
      help: 'Tasks queued or processing.',
      registers: [this.registry],
      async collect() {
        const health = await serviceOf()?.health();
        if (health) this.set(health.activeTasks);
      },
    });
  }
}
