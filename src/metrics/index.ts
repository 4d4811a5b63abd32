/**
 * Observability: Prometheus metrics at /metrics (Yoga's plugin for GraphQL, prom-client for the rest, fed
 * by the service's events), an id for every request carried by every log line about it, and the access
 * rule of the admin views.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { usePrometheus } from '@graphql-yoga/plugin-prometheus';
import type { Plugin } from 'graphql-yoga';
import type { Authenticator } from '../auth/caller.js';
import type { Config } from '../config.js';
import { failure, send } from '../http/envelope.js';
import { requestScope, type Logger } from '../log.js';
import type { TaskEvents } from '../tasks/events.js';
import type { Generations } from '../tasks/generations.js';
import type { TaskService } from '../tasks/service.js';
import { adminAccess } from './access.js';
import { countedEvents } from './events.js';
import { countedGenerations } from './generations.js';
import { Metrics } from './registry.js';
import { trackRequest } from './requests.js';

export const METRICS_PATH = '/metrics';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export class Observability {
  readonly #metrics = new Metrics();
  #service: TaskService | undefined;
  readonly #refuse: ReturnType<typeof adminAccess>;
  readonly #log: Logger;

  constructor(config: Config, auth: Authenticator, log: Logger) {
    this.#refuse = adminAccess(config, auth);
    this.#log = log;
  }

  /** The service the gauges read; set once it exists (it is built from what this wraps). */
  observe(service: TaskService): void {
    this.#service = service;
    this.#metrics.gauges(() => this.#service);
  }

  generations(generations: Generations): Generations {
    return countedGenerations(generations, this.#metrics);
  }

  events(events: TaskEvents): TaskEvents {
    return countedEvents(events, this.#metrics);
  }

  /** Yoga's Prometheus plugin, on this registry; /metrics itself is served here, not by Yoga. */
  graphqlPlugin(): Plugin {
    // Operation names are the caller's to choose: as a label they would grow the registry without bound.
    return usePrometheus({
      registry: this.#metrics.registry,
      endpoint: false,
      labels: { operationName: false },
      metrics: {
        // The schema deprecates nothing, and counting would walk every document with its types per request.
        graphql_envelop_deprecated_field: false,
        // The same durations as graphql_envelop_request_duration, through a quantile sketch per observation.
        graphql_envelop_request_time_summary: false,
      },
    }) as Plugin;
  }

  /** Every request: its id echoed and in scope for the log, its route counted, and /metrics answered. */
  handle(req: IncomingMessage, res: ServerResponse, path: string, next: Handler): void {
    const id = trackRequest(req, res, path, this.#metrics);
    if (path !== METRICS_PATH || (req.method !== 'GET' && req.method !== 'HEAD')) requestScope.run(id, next, req, res);
    else requestScope.run(id, () => void this.#scrape(req, res));
  }

  async #scrape(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refusal = this.#refuse(req);
    if (refusal) {
      const type = refusal.status === 401 ? 'authentication_error' : 'invalid_request_error';
      send(res, failure(refusal.status, type, refusal.message));
      return;
    }
    try {
      const text = await this.#metrics.registry.metrics();
      send(res, { status: 200, text, headers: { 'content-type': this.#metrics.registry.contentType } });
    } catch (error) {
      this.#log.error({ err: error }, 'metrics could not be collected');
      send(res, failure(500, 'api_error', 'The metrics could not be collected.'));
    }
  }
}
