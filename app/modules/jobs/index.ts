// Public surface of the jobs module (see docs/ARCHITECTURE.md, "Jobs").
export { enqueueJob, type EnqueueInput, type Db } from "./queue.server";
export { registerJobHandler, RetryLaterError, PermanentJobError, type JobHandler, type JobContext } from "./handlers";
export { startWorker } from "./worker.server";
export { runDueJobs } from "./runner.server";
