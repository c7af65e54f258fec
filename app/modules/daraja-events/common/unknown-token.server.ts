import type { PrismaClient } from "@prisma/client";
import { RateLimiterPrisma, RateLimiterRes } from "rate-limiter-flexible";
import { logger } from "../../../lib/logger.server";
import { metadataHeaders } from "./http.server";

// A callback whose token belongs to no attempt is a guess, a stale URL or a misrouted event. It is
// answered exactly like a valid one (the answer reveals nothing), but it costs us little: only
// metadata is kept (kind, route, source, size, a few headers — never the body), at most `perSource`
// rows per source address per window, and in a production deployment nothing at all from outside the
// Daraja allowlist (Daraja sends from published addresses only).

export interface UnknownTokenConfig {
  perSource: number;
  windowSeconds: number;
  /** Production deployment: drop unknown-token callbacks from outside the allowlist unstored. */
  sourceCheck: boolean;
}

export interface UnknownTokenEvent {
  kind: string;
  path: string;
  tokenHash: string | null;
  sourceIp: string | null;
  sourceAllowed: boolean;
  headers: Record<string, string>;
  size: number;
}

export type UnknownTokenOutcome = "stored" | "rate_limited" | "source_not_allowed";

export function createUnknownTokenGate(
  db: PrismaClient,
  config: UnknownTokenConfig,
  now: () => Date = () => new Date(),
) {
  const limiter = new RateLimiterPrisma({
    storeClient: db,
    tableName: "rateLimiterFlexible",
    keyPrefix: "callback:unknown",
    points: config.perSource,
    duration: config.windowSeconds,
    // Once a source is over its limit, refuse it from memory: a flood costs no database write.
    inMemoryBlockOnConsumed: config.perSource + 1,
    inMemoryBlockDuration: config.windowSeconds,
  });

  return async function keepUnknown(e: UnknownTokenEvent): Promise<UnknownTokenOutcome> {
    const log = logger.child({ callbackPath: e.path, kind: e.kind, sourceIp: e.sourceIp });
    if (config.sourceCheck && !e.sourceAllowed) {
      log.warn("callback with unknown token from outside the Daraja allowlist dropped");
      return "source_not_allowed";
    }
    try {
      await limiter.consume(e.sourceIp ?? "unknown");
    } catch (result) {
      if (!(result instanceof RateLimiterRes)) throw result;
      log.debug("callback with unknown token over the per-source limit: not stored");
      return "rate_limited";
    }
    await db.callbackLog.create({
      data: {
        kind: e.kind,
        path: e.path,
        tokenHash: e.tokenHash,
        sourceIp: e.sourceIp,
        headers: JSON.stringify(metadataHeaders(e.headers)),
        body: "",
        status: "IGNORED",
        error: `unknown callback token; body not stored (${e.size} bytes)`,
        processedAt: now(),
      },
    });
    log.warn("callback with unknown token ignored (metadata kept)");
    return "stored";
  };
}

export type UnknownTokenGate = ReturnType<typeof createUnknownTokenGate>;
