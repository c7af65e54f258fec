import type { PrismaClient } from "@prisma/client";
import nodemailer from "nodemailer";
import { AppError } from "../../../lib/errors";
import { logger } from "../../../lib/logger.server";
import { PermanentJobError } from "../../jobs/handlers";
import { getReconcileSettings } from "./settings.server";
import { reportCsv, runItems, runView } from "./report.server";

// The reconciliation mail: to the shop's operations address when a run holds something for a person
// (alert), or the daily summary when the merchant wants one. Sent over SMTP with nodemailer by the
// send-reconciliation-email job: a refused or unreachable server is retried by the job queue (its
// retry rule), and the run never waits for it.

export interface MailMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  attachments: { filename: string; content: string; contentType: string }[];
}

export interface Mailer {
  send(message: MailMessage): Promise<{ messageId: string }>;
}

/** SMTP by URL (smtp://user:pass@host:port, smtps:// for TLS on connect), one pooled-free transport. */
export function smtpMailer(url: string, opts: { timeoutMs: number }): Mailer {
  const transport = nodemailer.createTransport(url, {
    connectionTimeout: opts.timeoutMs,
    greetingTimeout: opts.timeoutMs,
    socketTimeout: opts.timeoutMs,
  } as never);
  return {
    async send(message) {
      try {
        const info = await transport.sendMail(message);
        return { messageId: String(info.messageId) };
      } catch (error) {
        throw smtpError(error);
      }
    },
  };
}

/** SMTP 5xx on the message or recipient is final (the same mail would be refused again); else retry. */
export function smtpError(error: unknown): AppError {
  const e = error as { responseCode?: number; code?: string; message?: string };
  const message = `SMTP: ${e.message ?? String(error)}`.slice(0, 500);
  if (typeof e.responseCode === "number" && e.responseCode >= 500 && e.code !== "EAUTH")
    return new AppError(message, { kind: "final" });
  return new AppError(message, { kind: "retryable" });
}

export interface MailDeps {
  db: PrismaClient;
  mailer: Mailer | null;
  from: string;
  /** The app's base URL, for links in the mail (the embedded admin opens them). */
  appUrl: string | null;
}

export async function sendReconciliationEmail(
  deps: MailDeps,
  payload: { runId: string; mail: "alert" | "summary"; fingerprint: string },
): Promise<{ sent: boolean; reason?: string }> {
  const run = await deps.db.reconciliationRun.findUnique({ where: { id: payload.runId } });
  if (!run) return { sent: false, reason: "run gone" };
  // A re-run of the window replaced this report: its own mail (if it holds something new) is queued.
  if (run.fingerprint !== payload.fingerprint) return { sent: false, reason: "report replaced" };
  const settings = await getReconcileSettings(deps.db, run.shopDomain);
  if (!settings.operationsEmail) return { sent: false, reason: "no operations address" };
  if (!deps.mailer) throw new PermanentJobError("SMTP_URL is not set: reconciliation mail cannot be sent");
  const message = await composeMail(deps, run.shopDomain, run.id, payload.mail, settings.operationsEmail);
  const info = await deps.mailer.send(message);
  logger.info(
    { runId: run.id, shop: run.shopDomain, mail: payload.mail, messageId: info.messageId },
    "reconciliation mail sent",
  );
  return { sent: true };
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
// Header injection: a subject line never carries a line break, whatever a shop domain holds.
const oneLine = (s: string) => s.replace(/[\r\n]+/g, " ");

export async function composeMail(
  deps: Pick<MailDeps, "db" | "from" | "appUrl">,
  shop: string,
  runId: string,
  mail: "alert" | "summary",
  to: string,
): Promise<MailMessage> {
  const run = (await deps.db.reconciliationRun.findUnique({ where: { id: runId } }))!;
  const view = runView(run);
  const items = (await runItems(deps.db, shop, runId)).filter((i) => !i.handled);
  const reportUrl = deps.appUrl ? `${deps.appUrl.replace(/\/$/, "")}/app/reconciliation?run=${run.id}` : null;
  const subject = oneLine(
    mail === "alert"
      ? `M-PESA reconciliation ${view.window}: ${items.length} ${items.length === 1 ? "mismatch needs" : "mismatches need"} attention (${shop})`
      : `M-PESA reconciliation ${view.window}: all accounted for (${shop})`,
  );
  const byKind = view.counts.filter((c) => c.count > 0);
  const text = [
    `Reconciliation of ${shop}, ${view.window} (EAT).`,
    view.coverage,
    "",
    byKind.length ? byKind.map((c) => `${c.label}: ${c.count}`).join("\n") : "No mismatches.",
    "",
    ...items.flatMap((i) => [
      `* ${i.label}${i.receipt ? ` — ${i.receipt}` : ""}${i.order ? ` — ${i.order}` : ""}${i.amount ? ` — ${i.amount}` : ""}`,
      `  ${i.detail}`,
      `  To resolve: ${i.resolve}`,
      "",
    ]),
    reportUrl ? `The report: ${reportUrl}` : "The report: M-PESA Checkout → Reconciliation.",
  ].join("\n");
  const html = `<p>Reconciliation of <b>${escapeHtml(shop)}</b>, ${escapeHtml(view.window)} (EAT).</p>
<p>${escapeHtml(view.coverage)}</p>
${
  items.length
    ? `<table border="1" cellpadding="4" cellspacing="0"><tr><th>Mismatch</th><th>Receipt</th><th>Order</th><th>Amount</th><th>What happened</th><th>To resolve</th></tr>${items
        .map(
          (i) =>
            `<tr><td>${escapeHtml(i.label)}</td><td>${escapeHtml(i.receipt ?? "")}</td><td>${escapeHtml(i.order ?? "")}</td><td>${escapeHtml(i.amount)}</td><td>${escapeHtml(i.detail)}</td><td>${escapeHtml(i.resolve)}</td></tr>`,
        )
        .join("")}</table>`
    : "<p>No mismatches: every shilling is accounted for.</p>"
}
${reportUrl ? `<p><a href="${escapeHtml(reportUrl)}">Open the report</a></p>` : ""}`;
  let csv = "";
  for await (const chunk of reportCsv(deps.db, shop, runId)) csv += chunk;
  return {
    from: deps.from,
    to,
    subject,
    text,
    html,
    attachments: [{ filename: `reconciliation-${view.day}.csv`, content: csv, contentType: "text/csv" }],
  };
}
