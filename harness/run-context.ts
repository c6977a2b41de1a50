import type { History } from './history/history.js';
import type { StartedStack } from './stack/started-stack.js';

/** What a fault, an operator action or a probe gets to work with: the stack it acts on and the run's history. */
export interface RunContext {
  stack: StartedStack;
  history: History;
  /** aborts long waits (a timeline step, a fault's observation) when the run is interrupted */
  signal?: AbortSignal;
}
