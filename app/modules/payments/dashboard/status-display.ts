import type { AttemptStatus } from "../attempt-status";

// How statuses read on the merchant's Payments pages, and the list's filter tabs. Pure.

export type StatusTone = "success" | "critical" | "warning" | "info" | "attention" | undefined;

const DISPLAY: Record<AttemptStatus, { label: string; tone: StatusTone }> = {
  PENDING: { label: "Pending", tone: "info" },
  SUCCEEDED: { label: "Paid", tone: "success" },
  CANCELLED: { label: "Cancelled", tone: undefined },
  TIMED_OUT: { label: "Timed out", tone: undefined },
  FAILED: { label: "Failed", tone: "warning" },
  NEEDS_REVIEW: { label: "Needs review", tone: "critical" },
};

export function statusDisplay(status: string): { label: string; tone: StatusTone } {
  return DISPLAY[status as AttemptStatus] ?? { label: status, tone: undefined };
}

const REVIEWED: Record<string, string> = {
  REFUNDED: "Reviewed: refunded",
  APPLIED: "Reviewed: applied",
  HANDLED_OUTSIDE: "Reviewed: handled outside",
};

/** An attempt's status, where a review someone resolved no longer reads "Needs review". */
export function attemptStatusDisplay(
  status: string,
  resolution: { action: string } | null | undefined,
): { label: string; tone: StatusTone } {
  if (status === "NEEDS_REVIEW" && resolution)
    return { label: REVIEWED[resolution.action] ?? "Reviewed", tone: "info" };
  return statusDisplay(status);
}

export const TABS = [
  { id: "all", label: "All", statuses: null },
  { id: "needs_review", label: "Needs review", statuses: ["NEEDS_REVIEW"] },
  { id: "paid", label: "Paid", statuses: ["SUCCEEDED"] },
  { id: "pending", label: "Pending", statuses: ["PENDING"] },
  { id: "unsuccessful", label: "Unsuccessful", statuses: ["CANCELLED", "TIMED_OUT", "FAILED"] },
] as const satisfies readonly { id: string; label: string; statuses: readonly AttemptStatus[] | null }[];

export type TabId = (typeof TABS)[number]["id"];

export function isTabId(value: unknown): value is TabId {
  return TABS.some((t) => t.id === value);
}
