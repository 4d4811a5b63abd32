import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { TaskService } from '../tasks/service.js';

export interface RestDeps {
  service: TaskService;
  config: Config;
  log: Logger;
}

export type RestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export function createRestHandler(_deps: RestDeps): RestHandler {
  return (_req, res) => {
    res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ error: { message: 'Not found', type: 'invalid_request_error' } }, null, 2));
  };
}
