/** The Bing Image Creator simulator that every test, benchmark and demo runs against. */

export { startSimulator, type Simulator, type SimulatorOptions } from './server.js';
export type { RecordedRequest, Configuration } from './state.js';
export { DEFAULT_DURATIONS, type DurationRange, type JobKind, type SimJob } from './jobs.js';
export {
  DEFAULT_SCENARIO,
  parseDirectives,
  stripDirectives,
  type Scenario,
  type SubmitOutcome,
  type UrlStyle,
  type VideoForm,
  type VideoHost,
} from './scenario.js';
export { revisedPrompt } from './markup.js';
export { PLACEHOLDER_IMAGES, resultImageNames, videoUrl } from './urls.js';
