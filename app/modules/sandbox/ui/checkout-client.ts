// The browser side of the sandbox shopper: calls the app's checkout API exactly as the checkout UI
// extension does — a fresh session token before every request (here from /sandbox/token instead of
// `shopify.sessionToken.get()`), `Authorization: Bearer`, JSON bodies (contract: docs/ARCHITECTURE.md).

import type { AttemptView } from "../../payments/attempt-view";

export type { AttemptView };
export type PayStatus = {
  payable: boolean;
  reason?: string;
  order?: { name: string; amountKes: number; currency: string };
  attempt?: AttemptView;
};
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

export async function getPayStatus(orderId: string): Promise<PayStatus> {
  const res = await call(`/api/pay/status?orderId=${encodeURIComponent(orderId)}`);
  if (!res.ok) throw new Error(`status check failed (${res.status})`);
  return (await res.json()) as PayStatus;
}

export async function startPayment(orderId: string, phone: string): Promise<PayResult> {
  const res = await call("/api/pay", { method: "POST", body: JSON.stringify({ orderId, phone }) });
  const body = (await res.json().catch(() => ({}))) as { attempt?: AttemptView; error?: { code?: string; message?: string } };
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
