// The browser side of the sandbox shopper: calls the app's checkout API exactly as the checkout UI
// extension does — a fresh session token before every request (here from /sandbox/token instead of
// `shopify.sessionToken.get()`), `Authorization: Bearer`, JSON bodies (contract: docs/ARCHITECTURE.md).

import {
  PAY_PATH,
  PAY_STATUS_PATH,
  type AttemptView,
  type PayErrorBody,
  type PayRequest,
  type PayResponse,
  type PayStatus,
  type PayStatusQuery,
} from "@mpesa-checkout/pay-contract";

export type { AttemptView, PayStatus };
/** The order as the thank-you page knows it: its id and confirmation number. */
export type CheckoutOrder = { gid: string; confirmationNumber: string | null };
export type PayResult =
  | { ok: true; attempt: AttemptView }
  | { ok: false; status: number; code: string; message?: string; retryAfterSeconds?: number };

let cached: { token: string; at: number } | null = null;

/** Like sessionToken.get(): cached while it has well over a minute left (tokens last 5 minutes). */
async function sessionToken(): Promise<string> {
  if (cached && Date.now() - cached.at < 180_000) return cached.token;
  const res = await fetch("/sandbox/token", { cache: "no-store" });
  if (!res.ok) throw new Error(`could not get a session token (${res.status})`);
  cached = { token: ((await res.json()) as { token: string }).token, at: Date.now() };
  return cached.token;
}

async function call(path: string, init: RequestInit = {}): Promise<Response> {
  const token = await sessionToken();
  return fetch(path, {
    ...init,
    headers: { ...(init.body ? { "Content-Type": "application/json" } : {}), Authorization: `Bearer ${token}` },
  });
}

export async function getPayStatus(order: CheckoutOrder): Promise<PayStatus> {
  const query: PayStatusQuery = { orderId: order.gid, confirmationNumber: order.confirmationNumber ?? "" };
  const res = await call(`${PAY_STATUS_PATH}?${new URLSearchParams({ ...query })}`);
  if (!res.ok) throw new Error(`status check failed (${res.status})`);
  return (await res.json()) as PayStatus;
}

export async function startPayment(order: CheckoutOrder, phone: string): Promise<PayResult> {
  const request: PayRequest = { orderId: order.gid, confirmationNumber: order.confirmationNumber ?? "", phone };
  const res = await call(PAY_PATH, { method: "POST", body: JSON.stringify(request) });
  const body = (await res.json().catch(() => ({}))) as Partial<PayResponse> & Partial<PayErrorBody>;
  if (res.ok && body.attempt) return { ok: true, attempt: body.attempt };
  const retryAfter = Number(res.headers.get("Retry-After"));
  return {
    ok: false,
    status: res.status,
    code: body.error?.code ?? `HTTP_${res.status}`,
    message: body.error?.message,
    ...(res.status === 429 && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
  };
}
