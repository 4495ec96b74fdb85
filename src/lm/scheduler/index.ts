export { Scheduler, SCHEDULER_DEFAULTS } from "./scheduler.js";
export { realClock, abortError } from "./clock.js";
export { TokenBucket } from "./token-bucket.js";
export type { AttemptResult, Clock, SchedulerOptions, SchedulerStats, SchedulerStatsDetail } from "./types.js";
