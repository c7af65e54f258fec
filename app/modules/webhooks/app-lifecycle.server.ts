import { z } from "zod";
import { applyOnce } from "./delivery.server";
import type { Db, VerifiedWebhook, WebhookOutcome } from "./types";

/**
 * app/uninstalled: the shop's tokens are dead, so its sessions go; the shop row stays, marked, until
 * shop/redact (about 48 h later) deletes everything. Safe to run again (a re-install clears the mark).
 */
export function handleAppUninstalled(db: Db, webhook: VerifiedWebhook, now = new Date()): Promise<WebhookOutcome> {
  return applyOnce(db, webhook, async (tx) => {
    const sessions = await tx.session.deleteMany({ where: { shop: webhook.shop } });
    await tx.shop.upsert({
      where: { domain: webhook.shop },
      create: { domain: webhook.shop, uninstalledAt: now },
      update: { uninstalledAt: now },
    });
    return { status: "applied", detail: { sessionsDeleted: sessions.count } };
  });
}

const ScopesPayload = z.object({ current: z.array(z.string()) });

/** app/scopes_update: the granted scopes apply to every token the shop issued to the app. */
export async function handleScopesUpdate(db: Db, webhook: VerifiedWebhook): Promise<WebhookOutcome> {
  const parsed = ScopesPayload.safeParse(webhook.payload);
  if (!parsed.success) return { status: "rejected", reason: "payload has no `current` scope list" };
  const scope = parsed.data.current.join(",");
  return applyOnce(db, webhook, async (tx) => {
    const sessions = await tx.session.updateMany({ where: { shop: webhook.shop }, data: { scope } });
    return { status: "applied", detail: { scope, sessionsUpdated: sessions.count } };
  });
}
