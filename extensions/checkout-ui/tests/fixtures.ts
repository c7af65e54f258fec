// Small builders for the app's answers (shapes from docs/ARCHITECTURE.md), shared by the tests.
import type { AttemptView, PayStatus } from "../src/api";

export function attempt(overrides: Partial<AttemptView> = {}): AttemptView {
  return {
    id: "att_1",
    status: "PENDING",
    amountKes: 1500,
    phoneMasked: "2547****678",
    message: "",
    canRetry: false,
    ...overrides,
  };
}

export function payableStatus(overrides: Partial<PayStatus> = {}): PayStatus {
  return { payable: true, order: { name: "#1001", amountKes: 1500, currency: "KES" }, ...overrides };
}

export function json(body: unknown, init: ResponseInit = {}): Response {
  return new Response(JSON.stringify(body), {
    status: 200,
    ...init,
    headers: { "Content-Type": "application/json", ...(init.headers as Record<string, string>) },
  });
}
