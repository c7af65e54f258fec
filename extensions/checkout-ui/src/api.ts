// Client for the app's HTTP API, whose shapes are defined once in @mpesa-checkout/pay-contract (shared
// with the app and the sandbox page; docs/ARCHITECTURE.md, "Checkout extension ↔ app HTTP API"). Every
// answer is mapped to one ApiResult so the state machine never sees a Response or an exception: the
// shopper-facing wording is decided there, not here.
import {
  isAttemptStatus,
  isRefusalCode,
  isVerificationState,
  PAY_PATH,
  PAY_STATUS_PATH,
  PAY_VERIFY_PATH,
  type AttemptStatus,
  type AttemptView,
  type PaybillInstructions,
  type PayRequest,
  type PayStatus,
  type PayStatusQuery,
  type VerifyAnswer,
  type VerifyRequest,
} from "@mpesa-checkout/pay-contract";

export type { AttemptStatus, AttemptView, PaybillInstructions, PayStatus, VerifyAnswer };

/** The order as the page knows it; the confirmation number binds every request to it. */
export interface OrderRef {
  id: string;
  confirmationNumber: string;
}

export type ApiResult<T> =
  | { kind: "ok"; value: T }
  /** 4xx with the app's `{ error: { code, message } }` (message may be absent on e.g. a 401). */
  | { kind: "rejected"; status: number; code: string; message?: string }
  | { kind: "rate_limited"; retryAfterSeconds: number }
  /** Nothing usable came back: fetch rejected, timed out, 5xx, or a body we cannot read. */
  | { kind: "unreachable" };

export interface PayApi {
  getStatus(order: OrderRef): Promise<ApiResult<PayStatus>>;
  pay(order: OrderRef, phone: string): Promise<ApiResult<AttemptView>>;
}

/** Verify by M-PESA code (order-status block): is it offered, and the order's latest verification. */
export interface VerifyApi {
  getVerify(order: OrderRef, id?: string): Promise<ApiResult<VerifyAnswer>>;
  verify(order: OrderRef, code: string): Promise<ApiResult<VerifyAnswer>>;
}

export interface PayApiOptions {
  appUrl: string;
  getSessionToken: () => Promise<string>;
  /** Defaults to the global fetch, looked up at call time (the host, or a test, installs it). */
  fetch?: typeof fetch;
  timeoutMs?: number;
}

const DEFAULT_RETRY_AFTER_SECONDS = 30;

export function createPayApi(opts: PayApiOptions): PayApi & VerifyApi {
  const doFetch: typeof fetch = opts.fetch ?? ((input, init) => fetch(input, init));
  const timeoutMs = opts.timeoutMs ?? 15_000;

  // The app reads who is asking from the session token alone (no surface parameter).
  function url(path: string, params?: PayStatusQuery & { id?: string }): string {
    const query = params ? new URLSearchParams({ ...params }).toString() : "";
    return `${opts.appUrl}${path}${query ? `?${query}` : ""}`;
  }

  async function call<T>(target: string, init: RequestInit, parse: (body: unknown) => T | null): Promise<ApiResult<T>> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      // A fresh token for every request: get() caches and renews it (5-minute lifetime).
      const token = await opts.getSessionToken();
      const headers = { ...(init.headers as Record<string, string>), Authorization: `Bearer ${token}` };
      const response = await doFetch(target, { ...init, headers, signal: controller.signal });
      return await toResult(response, parse);
    } catch {
      return { kind: "unreachable" };
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    getStatus: (order) =>
      call(
        url(PAY_STATUS_PATH, { orderId: order.id, confirmationNumber: order.confirmationNumber }),
        { method: "GET" },
        parsePayStatus,
      ),
    pay: (order, phone) => {
      const request: PayRequest = { orderId: order.id, confirmationNumber: order.confirmationNumber, phone };
      return call(
        url(PAY_PATH),
        { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(request) },
        (body) => (isRecord(body) ? parseAttempt(body.attempt) : null),
      );
    },
    getVerify: (order, id) =>
      call(
        url(PAY_VERIFY_PATH, {
          orderId: order.id,
          confirmationNumber: order.confirmationNumber,
          ...(id ? { id } : {}),
        }),
        { method: "GET" },
        parseVerifyAnswer,
      ),
    verify: (order, code) => {
      const request: VerifyRequest = { orderId: order.id, confirmationNumber: order.confirmationNumber, code };
      return call(
        url(PAY_VERIFY_PATH),
        { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(request) },
        parseVerifyAnswer,
      );
    },
  };
}

async function toResult<T>(response: Response, parse: (body: unknown) => T | null): Promise<ApiResult<T>> {
  if (response.status === 429) {
    return { kind: "rate_limited", retryAfterSeconds: parseRetryAfter(response.headers.get("Retry-After")) };
  }
  if (response.status >= 500) return { kind: "unreachable" };
  const body = await response.json().catch(() => undefined);
  if (response.ok) {
    const value = parse(body);
    return value === null ? { kind: "unreachable" } : { kind: "ok", value };
  }
  const error = isRecord(body) && isRecord(body.error) ? body.error : {};
  return {
    kind: "rejected",
    status: response.status,
    code: typeof error.code === "string" ? error.code : `HTTP_${response.status}`,
    message: typeof error.message === "string" && error.message ? error.message : undefined,
  };
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number {
  if (!value) return DEFAULT_RETRY_AFTER_SECONDS;
  if (/^\d+$/.test(value.trim())) return Math.max(1, Number(value.trim()));
  const date = Date.parse(value);
  if (Number.isNaN(date)) return DEFAULT_RETRY_AFTER_SECONDS;
  return Math.max(1, Math.ceil((date - now) / 1000));
}

export function parsePayStatus(body: unknown): PayStatus | null {
  if (!isRecord(body) || typeof body.payable !== "boolean") return null;
  const status: PayStatus = { payable: body.payable };
  // A reason this build does not know is dropped: with payable false the block then stays hidden.
  if (isRefusalCode(body.reason)) status.reason = body.reason;
  const order = body.order;
  if (isRecord(order) && typeof order.amountKes === "number") {
    status.order = {
      name: String(order.name ?? ""),
      amountKes: order.amountKes,
      currency: String(order.currency ?? "KES"),
    };
  }
  if (body.attempt !== undefined && body.attempt !== null) {
    const attempt = parseAttempt(body.attempt);
    if (!attempt) return null;
    status.attempt = attempt;
  }
  const paybill = parsePaybill(body.paybill);
  if (paybill) status.paybill = paybill;
  if (body.verifyByCode === true) status.verifyByCode = true;
  return status;
}

/** Pay-by-paybill instructions; anything unreadable is dropped (the block then shows only the prompt). */
export function parsePaybill(raw: unknown): PaybillInstructions | null {
  if (!isRecord(raw) || (raw.kind !== "paybill" && raw.kind !== "till")) return null;
  if (typeof raw.number !== "string" || !raw.number || typeof raw.amountKes !== "number") return null;
  return {
    kind: raw.kind,
    number: raw.number,
    ...(typeof raw.accountReference === "string" ? { accountReference: raw.accountReference } : {}),
    amountKes: raw.amountKes,
    ...(typeof raw.paidKes === "number" ? { paidKes: raw.paidKes } : {}),
  };
}

export function parseAttempt(raw: unknown): AttemptView | null {
  if (!isRecord(raw) || !isAttemptStatus(raw.status)) return null;
  if (typeof raw.amountKes !== "number") return null;
  return {
    id: String(raw.id ?? ""),
    status: raw.status,
    amountKes: raw.amountKes,
    phoneMasked: String(raw.phoneMasked ?? ""),
    ...(typeof raw.receipt === "string" ? { receipt: raw.receipt } : {}),
    ...(typeof raw.resultCode === "string" ? { resultCode: raw.resultCode } : {}),
    message: typeof raw.message === "string" ? raw.message : "",
    canRetry: raw.canRetry === true,
  };
}

export function parseVerifyAnswer(body: unknown): VerifyAnswer | null {
  if (!isRecord(body) || typeof body.enabled !== "boolean") return null;
  const v = body.verification;
  if (!isRecord(v) || !isVerificationState(v.state)) return { enabled: body.enabled };
  return {
    enabled: body.enabled,
    verification: {
      id: String(v.id ?? ""),
      receipt: String(v.receipt ?? ""),
      state: v.state,
      message: typeof v.message === "string" ? v.message : "",
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
