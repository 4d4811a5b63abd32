import type { Caller, TaskService } from '../tasks/service.js';

/** What every resolver sees: the service, and who is asking. */
export interface GraphQLContext {
  service: TaskService;
  caller: Caller;
  /** The upstream is the project's Bing simulator, not Bing. */
  simulator: boolean;
}
