import pino from "pino";
import { maskMsisdn, maskPhonesInText, PHONE_KEY } from "./phone-mask";

// Structured JSON logs. Every logged object is walked at every depth before it is written (pino's
// `redact` paths match fixed depths only): values of secret-named keys become "[redacted]", values of
// phone-named keys and any Kenyan MSISDN in a string are masked by the one phone rule (phone-mask.ts).

export const REDACTED = "[redacted]";
const SECRET_KEY =
  /^(?:consumer_?secret|passkey|password|initiator_?password|security_?credential|access_?token|refresh_?token|id_?token|session_?token|authorization|proxy-authorization|cookie|set-cookie|api_?secret(?:_?key)?|client_?secret|secret|token)$/i;
const MAX_DEPTH = 12;

/** The value as it may be logged: secrets redacted and phone numbers masked, at any depth. */
export function redactForLog(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === "string") return maskPhonesInText(value);
  if (!value || typeof value !== "object") return value;
  // Errors, dates, buffers… keep their own serializers (pino's err serializer runs after this).
  const plain =
    Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null;
  if (!plain) return value;
  if (seen.has(value) || depth >= MAX_DEPTH) return "[…]";
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redactForLog(v, depth + 1, seen));
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => {
      if (SECRET_KEY.test(k) && v !== null && v !== undefined) return [k, REDACTED];
      if (PHONE_KEY.test(k) && (typeof v === "string" || typeof v === "number")) return [k, maskMsisdn(v)];
      return [k, redactForLog(v, depth + 1, seen)];
    }),
  );
}

export function createLogger(options: { level: string; destination?: pino.DestinationStream }) {
  const root = pino(
    {
      level: options.level,
      base: { app: "mpesa-checkout" },
      formatters: { log: (object) => redactForLog(object) as Record<string, unknown> },
    },
    options.destination,
  );
  // pino applies no formatter to child bindings: walk them here. Children inherit this property
  // (pino builds them with Object.create), so grandchildren are covered too.
  type Child = (this: unknown, bindings: pino.Bindings, childOptions?: pino.ChildLoggerOptions) => pino.Logger;
  const pinoChild = root.child as unknown as Child;
  root.child = function (this: unknown, bindings: pino.Bindings, childOptions?: pino.ChildLoggerOptions) {
    return pinoChild.call(this, redactForLog(bindings) as pino.Bindings, childOptions);
  } as unknown as typeof root.child;
  return root;
}

// The level is read from LOG_LEVEL alone, not the whole configuration: scripts that load app modules
// without being the app (the sandbox launcher, benchmarks) must not need the app's secrets to log. The
// app's start still validates LOG_LEVEL with everything else (env.server.ts).
const LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];
const configuredLevel = process.env.LOG_LEVEL?.trim();
export const logger = createLogger({
  level: configuredLevel && LEVELS.includes(configuredLevel) ? configuredLevel : "info",
});

/** Re-exported for callers that mask before logging; the formatter masks phone-named keys anyway. */
export { maskMsisdn };
