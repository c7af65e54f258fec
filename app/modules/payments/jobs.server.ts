import type { PeriodicTask } from "../jobs/worker.server";

// Registers the payment job handlers with the worker (filled in as the payment flow lands).
export function registerPaymentJobs() {}

export function paymentPeriodicTasks(): PeriodicTask[] {
  return [];
}
