import type { Prisma, PrismaClient } from "@prisma/client";
import { env } from "../../lib/env.server";
import { logger } from "../../lib/logger.server";
import { enqueueJob } from "../jobs/queue.server";
import { adminRequest, type AdminGraphql } from "../shopify/admin-request";
import { FLOW_TRIGGER_RECEIVE_MUTATION } from "../shopify/documents";
import { ShopifyFinalError, type ShopifyUserError } from "../shopify/errors";
import { FIRE_FLOW_TRIGGER } from "./job-types";
import {
  needsReviewPayload,
  paymentReceivedPayload,
  type FlowTriggerHandle,
  type ReceivedFacts,
  type ReviewFacts,
} from "./triggers";

// Shopify Flow triggers: enqueued in the transaction of the state change they report, fired by the
// `fire-flow-trigger` job with the shop's offline session. A trigger never holds up a payment: the
// payment's own transaction only inserts the job; Shopify being down retries the job (its kind:
// app/lib/errors.ts), and a refusal (userErrors: unknown handle, wrong key or type) dead-letters it.

type Tx = PrismaClient | Prisma.TransactionClient;

/** "M-PESA payment received": call inside the transaction that records the payment as paid. */
export async function enqueuePaymentReceived(tx: Tx, shop: string, facts: ReceivedFacts): Promise<void> {
  const payload = paymentReceivedPayload(facts);
  if (!payload || !env().FLOW_TRIGGERS_ENABLED) return;
  // One per receipt, whichever channel records it (the same payment may be reported by both).
  const dedupeKey = `flow:mpesa-payment-received:${facts.dedupeRef ?? facts.receipt}`;
  if (await alreadyQueued(tx, dedupeKey)) return;
  await enqueueJob(tx, {
    type: FIRE_FLOW_TRIGGER,
    payload: { shop, handle: "mpesa-payment-received", payload },
    dedupeKey,
    shopDomain: shop,
  });
}

/** "M-PESA payment needs review": call inside the transaction that moves an attempt to review. */
export async function enqueueNeedsReview(tx: Tx, shop: string, attemptId: string, facts: ReviewFacts): Promise<void> {
  const payload = needsReviewPayload(facts);
  if (!payload || !env().FLOW_TRIGGERS_ENABLED) return;
  // One per attempt and reason: an attempt reaches each review state at most once.
  const dedupeKey = `flow:mpesa-payment-needs-review:${attemptId}:${facts.reviewCode}`;
  if (await alreadyQueued(tx, dedupeKey)) return;
  await enqueueJob(tx, {
    type: FIRE_FLOW_TRIGGER,
    payload: { shop, handle: "mpesa-payment-needs-review", payload },
    dedupeKey,
    shopDomain: shop,
  });
}

/** Checked first: inside a PostgreSQL transaction a unique violation would abort the caller's transaction. */
async function alreadyQueued(tx: Tx, dedupeKey: string): Promise<boolean> {
  return (await tx.job.count({ where: { dedupeKey } })) > 0;
}

export interface FireDeps {
  adminGraphql: (shop: string) => Promise<AdminGraphql>;
}

export async function fireFlowTrigger(
  deps: FireDeps,
  job: { shop: string; handle: FlowTriggerHandle; payload: Record<string, string | number> },
): Promise<void> {
  const graphql = await deps.adminGraphql(job.shop);
  const data = await adminRequest<{ flowTriggerReceive: { userErrors: ShopifyUserError[] } | null }>(
    graphql,
    FLOW_TRIGGER_RECEIVE_MUTATION,
    { handle: job.handle, payload: job.payload },
  );
  const userErrors = data.flowTriggerReceive?.userErrors ?? [];
  if (userErrors.length) {
    throw new ShopifyFinalError(
      "USER_ERRORS",
      `Shopify Flow refused trigger ${job.handle}: ${userErrors.map((e) => e.message).join("; ")}`,
      { userErrors },
    );
  }
  logger.info({ shop: job.shop, handle: job.handle }, "Flow trigger fired");
}
