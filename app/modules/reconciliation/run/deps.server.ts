import type { PrismaClient } from "@prisma/client";
import { env } from "../../../lib/env.server";
import { RetryLaterError } from "../../jobs/handlers";
import { smtpMailer, sendReconciliationEmail, type Mailer } from "./email.server";
import { runReconciliation, type RunDeps } from "./run.server";

// Wiring of the reconciliation jobs from the deployment's settings (app/worker.server.ts registers them).

let mailer: { url: string; mailer: Mailer } | null = null;

function sharedMailer(): Mailer | null {
  const { SMTP_URL, SMTP_TIMEOUT_MS } = env();
  if (!SMTP_URL) return null;
  if (mailer?.url !== SMTP_URL)
    mailer = { url: SMTP_URL, mailer: smtpMailer(SMTP_URL, { timeoutMs: SMTP_TIMEOUT_MS }) };
  return mailer.mailer;
}

export function runDeps(db: PrismaClient, now: () => Date = () => new Date()): RunDeps {
  return { db, now, claimMs: env().RECONCILE_CLAIM_SECONDS * 1000 };
}

export async function runReconciliationJob(
  db: PrismaClient,
  p: { shop: string; from: string; to: string; trigger: "SCHEDULED" | "ON_DEMAND" },
) {
  const deps = runDeps(db);
  const outcome = await runReconciliation(deps, {
    shop: p.shop,
    window: { from: new Date(p.from), to: new Date(p.to) },
    trigger: p.trigger,
  });
  // Another instance is computing this window now: come back when its claim would have lapsed.
  if (outcome.status === "busy")
    throw new RetryLaterError("reconciliation window being computed elsewhere", deps.claimMs);
}

export async function sendReconciliationEmailJob(
  db: PrismaClient,
  p: { runId: string; mail: "alert" | "summary"; fingerprint: string },
) {
  const config = env();
  await sendReconciliationEmail(
    { db, mailer: sharedMailer(), from: config.SMTP_FROM, appUrl: config.SHOPIFY_APP_URL ?? null },
    p,
  );
}
