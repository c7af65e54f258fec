import type { PrismaClient } from "@prisma/client";
import { parseC2bConfirmationAsReceived } from "../../daraja";
import { enterConfirmation } from "../../c2b/ledger.server";

// Apply step (work type `process-c2b-confirmation`): enter one stored confirmation in the ledger
// (app/modules/c2b/ledger.server.ts): the receipt seen before adds nothing, otherwise it is matched to
// an order of the receiving shop (a record job follows, in the same transaction) or goes to the
// merchant's unmatched queue. The row is closed in that transaction, so a re-run changes nothing.

export interface ApplyC2bDeps {
  db: PrismaClient;
  now: () => Date;
}

const RELEASED = { lockedBy: null, lockedUntil: null };

export async function applyC2bConfirmation(deps: ApplyC2bDeps, callbackLogId: string): Promise<void> {
  const row = await deps.db.callbackLog.findUnique({ where: { id: callbackLogId } });
  if (!row || row.status !== "RECEIVED" || !row.shopDomain) return;
  const payment = parseC2bConfirmationAsReceived(JSON.parse(row.body));
  await enterConfirmation(
    deps.db,
    { shopDomain: row.shopDomain, accountId: row.accountId, callbackLogId: row.id, payment },
    deps.now(),
    async (tx, note) => {
      await tx.callbackLog.update({
        where: { id: row.id },
        data: { status: "PROCESSED", processedAt: deps.now(), error: note.slice(0, 500), ...RELEASED },
      });
    },
  );
}
