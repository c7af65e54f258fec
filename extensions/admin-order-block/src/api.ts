// Client for the app's admin order API (shapes defined once in @mpesa-checkout/pay-contract). Admin UI
// extensions resolve a relative URL against the app's application_url; the ID token goes in the
// Authorization header (Shopify adds it to requests to the app's own domain; it is set here explicitly
// so the request is the same whichever host runs the block). Every answer becomes one Result.
import {
  adminOrderPath,
  type AdminActionResult,
  type AdminOrderAction,
  type AdminOrderView,
} from "@mpesa-checkout/pay-contract";

export type Result<T> =
  | { kind: "ok"; value: T }
  /** The app refused (4xx/5xx with `{ error: { code, message } }`). */
  | { kind: "error"; status: number; code: string; message: string }
  /** Nothing usable came back. */
  | { kind: "unreachable" };

export interface AdminOrderApi {
  view(orderId: string): Promise<Result<AdminOrderView>>;
  act(orderId: string, action: AdminOrderAction): Promise<Result<AdminActionResult>>;
}

export interface AdminOrderApiOptions {
  idToken: () => Promise<string>;
  /** Defaults to the global fetch, looked up at call time (the host, or a test, installs it). */
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export function createAdminOrderApi(opts: AdminOrderApiOptions): AdminOrderApi {
  const doFetch: typeof fetch = opts.fetch ?? ((input, init) => fetch(input, init));
  const timeoutMs = opts.timeoutMs ?? 20_000;

  async function call<T>(orderId: string, init: RequestInit, parse: (body: unknown) => T | null): Promise<Result<T>> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const token = await opts.idToken();
      const headers = { ...(init.headers as Record<string, string>), Authorization: `Bearer ${token}` };
      const response = await doFetch(adminOrderPath(orderId), { ...init, headers, signal: controller.signal });
      const body = await response.json().catch(() => undefined);
      if (response.ok) {
        const value = parse(body);
        return value === null ? { kind: "unreachable" } : { kind: "ok", value };
      }
      const error = isRecord(body) && isRecord(body.error) ? body.error : {};
      return {
        kind: "error",
        status: response.status,
        code: typeof error.code === "string" ? error.code : `HTTP_${response.status}`,
        message:
          typeof error.message === "string" && error.message
            ? error.message
            : "The M-PESA app did not answer as expected. Try again in a moment.",
      };
    } catch {
      return { kind: "unreachable" };
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    view: (orderId) => call(orderId, { method: "GET" }, parseView),
    act: (orderId, action) =>
      call(
        orderId,
        { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(action) },
        (body) =>
          isRecord(body) && typeof body.message === "string" && parseView(body.view)
            ? { message: body.message, view: parseView(body.view)! }
            : null,
      ),
  };
}

/** The view as the app sends it; anything that is not its shape is "unreachable" (never half-shown). */
export function parseView(body: unknown): AdminOrderView | null {
  if (!isRecord(body) || !Array.isArray(body.payments) || !isRecord(body.prompt)) return null;
  if (typeof body.mpesa !== "boolean") return null;
  if (body.prompt.allowed !== true && typeof body.prompt.reason !== "string") return null;
  return body as unknown as AdminOrderView;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
