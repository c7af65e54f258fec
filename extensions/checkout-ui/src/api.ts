// Client for the app's HTTP API, as fixed in docs/ARCHITECTURE.md ("Checkout extension ↔ app HTTP
// API"). Every answer is mapped to one ApiResult so the state machine never sees a Response or an
// exception: the shopper-facing wording is decided there, not here.

export type AttemptStatus = "PENDING" | "SUCCEEDED" | "CANCELLED" | "TIMED_OUT" | "FAILED" | "NEEDS_REVIEW";

export interface AttemptView {
  id: string;
  status: AttemptStatus;
  amountKes: number;
  phoneMasked: string;
  receipt?: string;
  resultCode?: string;
  message: string;
  canRetry: boolean;
}

export interface PayStatus {
  payable: boolean;
  reason?: string;
  order?: { name: string; amountKes: number; currency: string };
  attempt?: AttemptView;
}

export type ApiResult<T> =
  | { kind: "ok"; value: T }
  /** 4xx with the app's `{ error: { code, message } }` (message may be absent on e.g. a 401). */
  | { kind: "rejected"; status: number; code: string; message?: string }
  | { kind: "rate_limited"; retryAfterSeconds: number }
  /** Nothing usable came back: fetch rejected, timed out, 5xx, or a body we cannot read. */
  | { kind: "unreachable" };

export type Surface = "checkout" | "customer-account";

export interface PayApi {
  getStatus(orderId: string): Promise<ApiResult<PayStatus>>;
  pay(orderId: string, phone: string): Promise<ApiResult<AttemptView>>;
}

export interface PayApiOptions {
  appUrl: string;
  surface: Surface;
  getSessionToken: () => Promise<string>;
  /** Defaults to the global fetch, looked up at call time (the host, or a test, installs it). */
  fetch?: typeof fetch;
  timeoutMs?: number;
}

const STATUSES: readonly AttemptStatus[] = ["PENDING", "SUCCEEDED", "CANCELLED", "TIMED_OUT", "FAILED", "NEEDS_REVIEW"];
const DEFAULT_RETRY_AFTER_SECONDS = 30;

export function createPayApi(opts: PayApiOptions): PayApi {
  const doFetch: typeof fetch = opts.fetch ?? ((input, init) => fetch(input, init));
  const timeoutMs = opts.timeoutMs ?? 15_000;

  function url(path: string, params: Record<string, string> = {}): string {
    const search = new URLSearchParams(params);
    if (opts.surface === "customer-account") search.set("surface", "customer-account");
    const query = search.toString();
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
    getStatus: (orderId) => call(url("/api/pay/status", { orderId }), { method: "GET" }, parsePayStatus),
    pay: (orderId, phone) =>
      call(
        url("/api/pay"),
        { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ orderId, phone }) },
        (body) => (isRecord(body) ? parseAttempt(body.attempt) : null),
      ),
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

function parsePayStatus(body: unknown): PayStatus | null {
  if (!isRecord(body) || typeof body.payable !== "boolean") return null;
  const status: PayStatus = { payable: body.payable };
  if (typeof body.reason === "string") status.reason = body.reason;
  const order = body.order;
  if (isRecord(order) && typeof order.amountKes === "number") {
    status.order = { name: String(order.name ?? ""), amountKes: order.amountKes, currency: String(order.currency ?? "KES") };
  }
  if (body.attempt !== undefined && body.attempt !== null) {
    const attempt = parseAttempt(body.attempt);
    if (!attempt) return null;
    status.attempt = attempt;
  }
  return status;
}

function parseAttempt(raw: unknown): AttemptView | null {
  if (!isRecord(raw) || !STATUSES.includes(raw.status as AttemptStatus)) return null;
  if (typeof raw.amountKes !== "number") return null;
  return {
    id: String(raw.id ?? ""),
    status: raw.status as AttemptStatus,
    amountKes: raw.amountKes,
    phoneMasked: String(raw.phoneMasked ?? ""),
    receipt: typeof raw.receipt === "string" ? raw.receipt : undefined,
    resultCode: typeof raw.resultCode === "string" ? raw.resultCode : undefined,
    message: typeof raw.message === "string" ? raw.message : "",
    canRetry: raw.canRetry === true,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
