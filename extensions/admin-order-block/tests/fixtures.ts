// Builders for the app's answers (packages/pay-contract, admin-order.ts), shared by the tests.
import type { AdminOrderView, AdminPayment } from "@mpesa-checkout/pay-contract";

export const ORDER_ID = "gid://shopify/Order/1";

export function payment(overrides: Partial<AdminPayment> = {}): AdminPayment {
  return {
    attemptId: "att_1",
    channel: "STK",
    status: "SUCCEEDED",
    statusLabel: "Paid",
    amountKes: 1500,
    receipt: "QK12ABC345",
    phoneMasked: "2547****5678",
    at: "2026-12-01T10:00:00.000Z",
    review: null,
    refunds: { refundableKes: 1500, nonce: "0b7f5f7e-6a0e-4f3b-9a51-6f1c2d3e4f50", items: [] },
    ...overrides,
  };
}

export function unpaidView(overrides: Partial<AdminOrderView> = {}): AdminOrderView {
  return {
    order: { id: ORDER_ID, name: "#1001", financialStatus: "PENDING", outstandingKes: 1500 },
    mpesa: true,
    payments: [],
    prompt: { allowed: true, amountKes: 1500, phoneMasked: "2547****5678" },
    ...overrides,
  };
}

export function paidView(overrides: Partial<AdminOrderView> = {}): AdminOrderView {
  return unpaidView({
    order: { id: ORDER_ID, name: "#1001", financialStatus: "PAID", outstandingKes: 0 },
    payments: [payment()],
    prompt: { allowed: false, reason: "This order is paid." },
    ...overrides,
  });
}

export function json(body: unknown, init: ResponseInit = {}): Response {
  return new Response(JSON.stringify(body), {
    status: 200,
    ...init,
    headers: { "Content-Type": "application/json" },
  });
}
