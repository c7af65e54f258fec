import { createPublicKey, X509Certificate } from "node:crypto";
import fs from "node:fs";
import proxyAddr from "proxy-addr";
import { z } from "zod";

// Every environment variable the app reads is declared and validated here, once, at start-up.
// Nothing else reads process.env. `.env.example` documents each one.

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no", ""])
  .transform((v) => v === "true" || v === "1" || v === "yes");
const boolDefault = (d: boolean) => bool.optional().transform((v) => (v === undefined ? d : v));
const int = (d: number, min = 0) => z.coerce.number().int().min(min).default(d);
const url = z.string().url();

const base64Key = z
  .string()
  .refine((v) => Buffer.from(v, "base64").length === 32, "must be 32 bytes, base64-encoded (openssl rand -base64 32)");

/**
 * The certificate initiator passwords are encrypted with (docs/DARAJA.md §4): PEM text (a one-line
 * value may write its line breaks as \n), or the path of a PEM or DER (.cer) file. Read and checked
 * once, at start-up; the value is the PEM. Unset: the certificate bundled for that environment.
 */
const certificate = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined || value.trim() === "") return undefined;
    try {
      return certificatePem(value);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: (error as Error).message });
      return z.NEVER;
    }
  });

export function certificatePem(value: string): string {
  let pem = value.trim();
  if (!pem.includes("-----BEGIN")) {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(pem);
    } catch (error) {
      throw new Error(
        `must be a PEM certificate (or RSA public key), or the path of a certificate file: cannot read ${pem} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      );
    }
    const text = bytes.toString("utf8");
    if (text.includes("-----BEGIN")) pem = text.trim();
    else {
      try {
        pem = new X509Certificate(bytes).toString().trim(); // DER, as the portal's .cer may be
      } catch {
        throw new Error(`${value.trim()} holds neither a PEM nor a DER certificate`);
      }
    }
  }
  pem = pem.replace(/\\n/g, "\n");
  let key;
  try {
    key = createPublicKey(pem);
  } catch (error) {
    throw new Error(`is not a usable PEM certificate or public key (${(error as Error).message})`);
  }
  if (key.asymmetricKeyType !== "rsa") {
    throw new Error(`holds a ${key.asymmetricKeyType} key: SecurityCredential needs Safaricom's RSA certificate`);
  }
  return `${pem}\n`;
}

export const EnvSchema = z
  .object({
    NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
    PORT: int(3000, 1),
    HOST: z.string().min(1).default("0.0.0.0"), // the address server.mjs binds
    // Largest request body server.mjs accepts ahead of Remix (the callback routes use CALLBACK_MAX_BYTES).
    REQUEST_MAX_BYTES: int(1024 * 1024, 1024),
    DATABASE_URL: z
      .string()
      .default("file:./prisma/dev.sqlite")
      .refine((v) => v.startsWith("file:") || v.startsWith("postgres"), "must be file:… (SQLite) or postgresql://…"),
    // PostgreSQL connections per process (pg pool). Instances × this must stay under the server's
    // max_connections with room for migrations and psql (docs/DEPLOY.md).
    DATABASE_POOL_MAX: int(10, 1),
    SHOPIFY_API_KEY: z.string().min(1),
    SHOPIFY_API_SECRET: z.string().min(1),
    SHOPIFY_APP_URL: url,
    SCOPES: z.string().default("read_orders,write_orders"),
    // Public base URL Daraja posts callbacks to; defaults to SHOPIFY_APP_URL.
    CALLBACK_BASE_URL: url.optional(),
    ENCRYPTION_KEY: base64Key,
    ENCRYPTION_KEY_PREVIOUS: base64Key.optional(),
    DARAJA_SANDBOX_BASE_URL: url.default("https://sandbox.safaricom.co.ke"),
    DARAJA_PRODUCTION_BASE_URL: url.default("https://api.safaricom.co.ke"),
    DARAJA_TIMEOUT_MS: int(30_000, 100),
    // Certificates initiator passwords are encrypted with, per environment (PEM text or a file path);
    // unset: the ones bundled in app/modules/daraja/certs. Download fresh ones before go-live.
    DARAJA_SANDBOX_CERTIFICATE: certificate,
    DARAJA_PRODUCTION_CERTIFICATE: certificate,
    // Only for the local sandbox and tests: send Admin API calls to a stand-in instead of <shop>.
    SHOPIFY_ADMIN_API_ORIGIN: url.optional(),
    SANDBOX_MODE: boolDefault(false),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    // Callback source checks: production accepts only Safaricom's published addresses.
    CALLBACK_IP_ALLOWLIST: z.string().optional(), // comma-separated; defaults to Safaricom's list
    // Reverse proxies whose X-Forwarded-For is believed: comma-separated addresses/CIDRs (or
    // proxy-addr's names loopback, linklocal, uniquelocal). Unset: the header is ignored.
    TRUSTED_PROXIES: z.string().optional(),
    // Optional cap on how many of those proxies one request may pass through (unset: no cap).
    TRUSTED_PROXY_HOPS: z.preprocess((v) => (v === "" ? undefined : v), z.coerce.number().int().min(0).optional()),
    STK_VERIFY_WITH_QUERY: bool.optional(), // default: on in production Daraja mode, off in sandbox
    PENDING_RECOVERY_AFTER_SECONDS: int(90, 1),
    PENDING_RECOVERY_MAX_QUERIES: int(10, 1),
    PENDING_RECOVERY_INTERVAL_SECONDS: int(15, 1),
    PULL_PAGE_SIZE: int(100, 1), // rows Daraja's Pull Transactions answers per page (a shorter page is the last)
    PULL_HOURLY_LOOKBACK_HOURS: int(3, 1), // the hourly pull's window (the daily sweep is 48 hours)
    RATE_LIMIT_PER_PHONE: int(5, 1), // pushes per phone per window
    RATE_LIMIT_PER_IP: int(30, 1),
    RATE_LIMIT_PER_ORDER: int(10, 1),
    RATE_LIMIT_PER_SHOP: int(600, 1),
    RATE_LIMIT_WINDOW_SECONDS: int(600, 1),
    // Bearer token for GET /metrics (Prometheus); unset, /metrics answers 404.
    METRICS_TOKEN: z.string().min(16, "must be at least 16 characters (openssl rand -hex 24)").optional(),
    RATE_LIMIT_PHONES_PER_ORDER: int(3, 1), // different phones one order may be pushed to
    STATUS_LIMIT_PER_SESSION: int(60, 1), // /api/pay/status polls per extension session per window
    STATUS_LIMIT_PER_SHOP: int(1200, 1),
    STATUS_LIMIT_WINDOW_SECONDS: int(60, 1),
    ORDER_CACHE_SECONDS: int(10, 1), // how long one Admin API order read serves later status polls
    JOB_WORKER: boolDefault(true), // run the durable job worker in this process
    JOB_POLL_MS: int(500, 10),
    // Jobs (and stored callbacks) one worker pass claims and runs concurrently: the worker's concurrency.
    JOB_BATCH_SIZE: z.coerce.number().int().min(1).max(500).default(10),
    CALLBACK_MAX_BYTES: int(64 * 1024, 1024),
    // Statement uploads (/app/reconciliation/import): largest file, counted while it streams (server.mjs
    // lets this path past REQUEST_MAX_BYTES; the route bounds the whole body itself), and most rows.
    STATEMENT_MAX_BYTES: int(40 * 1024 * 1024, 1024),
    STATEMENT_MAX_ROWS: int(200_000, 1),
    // Reconciliation mail (docs/RECONCILIATION.md): SMTP server URL (smtp://user:pass@host:587, smtps://…
    // for TLS on connect; unset: no mail is sent and the report page says so), the From address, and how
    // long one SMTP conversation may take before the send job retries.
    SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\//, "must be smtp://… or smtps://…")
      .optional(),
    SMTP_FROM: z.string().min(3).default("M-PESA Checkout <no-reply@localhost>"),
    SMTP_TIMEOUT_MS: int(15_000, 100),
    // A reconciliation run's claim on its window lapses after this (a crashed run is taken over).
    RECONCILE_CLAIM_SECONDS: int(300, 5),
    // Shopify Flow triggers (app/modules/flow): fired for every payment received / needing review. Off: none
    // is enqueued (a deployment whose merchants use no Flow workflow saves the Admin API points).
    FLOW_TRIGGERS_ENABLED: boolDefault(true),
    // Sandbox only: the local mailbox's HTTP address (the sandbox launcher's SMTP server), shown at /sandbox/mail.
    SANDBOX_MAILBOX_URL: url.optional(),
    // Inbound Daraja events (app/modules/daraja-events): a stored event is retried on its row, then DEAD.
    CALLBACK_MAX_ATTEMPTS: int(25, 1),
    // C2B validation: the app's own answer budget (Daraja waits ~8 s, then applies the ResponseType).
    // A decision not reached in time is answered "accept": the payment is never lost to our slowness.
    C2B_VALIDATION_BUDGET_MS: int(2000, 50),
    // Callbacks whose token is unknown: metadata only, at most this many rows per source per window.
    CALLBACK_UNKNOWN_PER_SOURCE: int(20, 1),
    CALLBACK_UNKNOWN_WINDOW_SECONDS: int(600, 1),
    // Drop unknown-token callbacks from outside the allowlist unstored; default: on when NODE_ENV=production.
    CALLBACK_UNKNOWN_SOURCE_CHECK: bool.optional(),
    CALLBACK_LOG_RETENTION_DAYS: int(30, 1), // callbacks that belong to no attempt
    PAYMENT_RECORDS_RETENTION_DAYS: int(1827, 1), // callbacks of attempts: the merchant's records (5 years)
    JOB_LOCK_SECONDS: int(120, 1), // a claimed job not finished by then is retried (crashed worker)
    JOB_RETRY_BASE_MS: int(2000, 1), // first retry delay window; doubles per attempt (app/lib/retry.ts)
    JOB_RETRY_MAX_MS: int(15 * 60_000, 1),
    JOB_MAX_ATTEMPTS: int(25, 1), // runs of a job before it is dead-lettered (unless it names its own)
    // Every Admin API call is abandoned after this (the outcome of a mutation is then unknown: re-read).
    SHOPIFY_ADMIN_TIMEOUT_MS: int(10_000, 100),
    // One run at a time writes a receipt's payment to Shopify; a run's claim lapses after this.
    SHOPIFY_RECORD_CLAIM_SECONDS: int(120, 1),
    // A callback that beat its STK Push answer waits this long, and retries every STK_ANSWER_WAIT_MS,
    // for DARAJA_TIMEOUT_MS + STK_ANSWER_GRACE_MS before the STK query decides instead.
    STK_ANSWER_WAIT_MS: int(300, 1),
    STK_ANSWER_GRACE_MS: int(5000, 0),
    // Retry-After the payment routes answer while Shopify or Daraja is down (when they name none).
    PAY_RETRY_AFTER_SECONDS: int(5, 1),
    // Admin API pacing per shop (app/modules/shopify/admin-pacing.server.ts): the longest wait for the
    // shop's bucket slept through before a unit of work starts (longer: the job comes back at its turn),
    // and once it is under way.
    SHOPIFY_PACE_MAX_WAIT_MS: int(1000, 0),
    SHOPIFY_PACE_MAX_WAIT_IN_FLIGHT_MS: int(15_000, 0),
    // Refunds (docs/REFUNDS.md): a full refund of a receipt younger than this is a Reversal, else B2C.
    REFUND_REVERSAL_WINDOW_HOURS: int(24, 1),
    // An acknowledged refund with no result after this asks Transaction Status; a status or balance
    // query with no answer after REFUND_QUERY_WAIT_SECONDS is asked again.
    REFUND_RESULT_WAIT_SECONDS: int(300, 1),
    REFUND_QUERY_WAIT_SECONDS: int(60, 1),
    // Verify a payment by M-PESA code (docs/C2B.md): a Transaction Status with no answer after this is
    // given up (the code may be tried again); the shopper's verifications are limited per order, per
    // client address and per shop per window.
    VERIFY_RESULT_WAIT_SECONDS: int(120, 1),
    VERIFY_LIMIT_PER_ORDER: int(5, 1),
    VERIFY_LIMIT_PER_IP: int(20, 1),
    VERIFY_LIMIT_PER_SHOP: int(300, 1),
    VERIFY_LIMIT_WINDOW_SECONDS: int(3600, 1),
  })
  .superRefine((env, ctx) => {
    if (env.SANDBOX_MODE && !isLoopbackHost(env.HOST)) {
      ctx.addIssue({
        code: "custom",
        path: ["SANDBOX_MODE"],
        message: `sandbox mode mints admin tokens for anyone who can reach it: it only runs bound to loopback (HOST=127.0.0.1), not HOST=${env.HOST}`,
      });
    }
    const proxies = trustedProxyList(env.TRUSTED_PROXIES);
    try {
      proxyAddr.compile(proxies);
    } catch (error) {
      ctx.addIssue({ code: "custom", path: ["TRUSTED_PROXIES"], message: (error as Error).message });
    }
    if (env.TRUSTED_PROXY_HOPS && proxies.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["TRUSTED_PROXY_HOPS"],
        message:
          "X-Forwarded-For is trusted only from the proxies in TRUSTED_PROXIES (a list of addresses/CIDRs): set it",
      });
    }
    if (env.SANDBOX_MODE && env.NODE_ENV === "production") {
      ctx.addIssue({
        code: "custom",
        path: ["SANDBOX_MODE"],
        message: "sandbox mode cannot run with NODE_ENV=production",
      });
    }
    if (env.SHOPIFY_ADMIN_API_ORIGIN && env.NODE_ENV === "production") {
      ctx.addIssue({
        code: "custom",
        path: ["SHOPIFY_ADMIN_API_ORIGIN"],
        message: "the Admin API stand-in cannot be used with NODE_ENV=production",
      });
    }
  });

export type Env = z.infer<typeof EnvSchema>;

export function trustedProxyList(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Loopback only: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127(?:\.\d{1,3}){3}$/.test(h) || /^::ffff:127(?:\.\d{1,3}){3}$/.test(h);
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}\nSee .env.example.`);
    this.name = "ConfigError";
  }
}

export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = EnvSchema.safeParse(source);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((i) => {
        const name = i.path.join(".") || "(environment)";
        const missing = i.code === "invalid_type" && source[String(i.path[0])] === undefined;
        return missing ? `${name} is missing` : `${name}: ${i.message}`;
      }),
    );
  }
  return result.data;
}

let cached: Env | undefined;
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** Tests change the environment between files; they call this to re-read it. */
export function resetEnvForTests() {
  cached = undefined;
}
