// Placeholder replaced by the jobs module (see app/modules/jobs/README in the ARCHITECTURE doc).
export function startWorker() {
  return { stop: async () => {} };
}
