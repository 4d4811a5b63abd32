/** The `/__sim/*` control API, for tests that run the simulator in another process. Never recorded. */

import { jobJson } from './jobs.js';
import type { Answer } from './routes.js';
import { invalidScenarioOverride, type Scenario } from './scenario.js';
import { invalidConfiguration, type Configuration, type SimState } from './state.js';
import type { VideoSim } from './video-routes.js';
import type { VideoConfiguration } from './video-scenario.js';

export const CONTROL_PREFIX = '/__sim/';

const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };
const ok = (value: unknown): Answer => ({ status: 200, headers: JSON_TYPE, body: JSON.stringify(value) });
const fail = (status: number, error: string): Answer => ({
  status,
  headers: JSON_TYPE,
  body: JSON.stringify({ error }),
});

function parse(body: string): { value: unknown } | { error: string } {
  if (body.trim() === '') return { value: null };
  try {
    return { value: JSON.parse(body) as unknown };
  } catch {
    return { error: 'body is not JSON' };
  }
}

export function control(state: SimState, video: VideoSim, method: string, path: string, body: string): Answer {
  const action = `${method} ${path.slice(CONTROL_PREFIX.length)}`;
  switch (action) {
    case 'GET requests':
      return ok(state.requests);
    case 'GET jobs':
      return ok([...state.jobs.values()].map(jobJson));
    case 'POST reset':
      state.reset();
      video.reset();
      return ok({ ok: true });
    case 'POST scenario': {
      const parsed = parse(body);
      if ('error' in parsed) return fail(400, parsed.error);
      const invalid = invalidScenarioOverride(parsed.value);
      if (invalid) return fail(400, invalid);
      state.override = parsed.value as Partial<Scenario> | null;
      return ok({ ok: true });
    }
    case 'POST configure': {
      const parsed = parse(body);
      if ('error' in parsed) return fail(400, parsed.error);
      const invalid = invalidConfiguration(parsed.value);
      if (invalid) return fail(400, invalid);
      state.configure(parsed.value as Configuration);
      return ok({ ok: true });
    }
    case 'POST video': {
      const parsed = parse(body);
      if ('error' in parsed) return fail(400, parsed.error);
      if (typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value))
        return fail(400, 'expected an object');
      try {
        video.configure(parsed.value as VideoConfiguration);
      } catch (error) {
        return fail(400, (error as Error).message);
      }
      return ok({ ok: true });
    }
    default:
      return fail(404, `no control action ${action}`);
  }
}
