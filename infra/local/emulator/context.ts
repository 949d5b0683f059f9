import type { AccessControl } from './access/access-control.js';
import type { VirtualClock } from './clock.js';
import type { LocalApp } from './cloud-assembly/model.js';
import type { ServiceMetrics } from './cloudwatch/service-metrics.js';
import type { FaultHooks } from './fault-hooks.js';
import type { InFlight } from './in-flight.js';
import type { LocalQueues } from './sqs/queues.js';
import type { RuntimeStats } from './stats.js';

/** What the parts of one running emulator share: its template, clock, random source, fault hooks, queues, the register of work in flight, its counters, its service metrics and its access control. */
export type EmulatorContext = {
  app: LocalApp;
  /** AWS time: every delay of the emulator is a timer of this clock, and every piece of work it waits for. */
  clock: VirtualClock;
  inFlight: InFlight;
  stats: RuntimeStats;
  /** Where the emulator reports what AWS publishes as service metrics (the local CloudWatch). */
  metrics: ServiceMetrics;
  random: () => number;
  faults: FaultHooks;
  queues: LocalQueues;
  /** A diagnostic line from the runtime itself (reported through `onLog` as function `runtime`). */
  log: (line: string) => void;
  /** Real milliseconds since the runtime started (the event log's clock). */
  now: () => number;
  /** Authorizes the calls of the run with the template's IAM. */
  access: AccessControl;
};
