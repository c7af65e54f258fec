import type { PrismaClient } from "@prisma/client";
import { env } from "../../../lib/env.server";
import { callbackAllowlist } from "./callback-source.server";
import { createInbox, dialectOf, type Inbox } from "./inbox.server";
import { createUnknownTokenGate, type UnknownTokenGate } from "./unknown-token.server";

// What the store steps of inbound events use: the database, the inbox (one-write store), the
// unknown-token gate, the source allowlist and the body cap. Built once per process from env.

export interface EventsDeps {
  db: PrismaClient;
  now: () => Date;
  inbox: Inbox;
  keepUnknown: UnknownTokenGate;
  config: { maxBytes: number; allowlist: string[] };
}

let cached: Promise<EventsDeps> | undefined;

export function eventsDeps(): Promise<EventsDeps> {
  cached ??= build();
  return cached;
}

async function build(): Promise<EventsDeps> {
  const config = env();
  const db = (await import("../../../db.server")).default;
  const now = () => new Date();
  return {
    db,
    now,
    inbox: createInbox(db, dialectOf(config.DATABASE_URL), now),
    keepUnknown: createUnknownTokenGate(
      db,
      {
        perSource: config.CALLBACK_UNKNOWN_PER_SOURCE,
        windowSeconds: config.CALLBACK_UNKNOWN_WINDOW_SECONDS,
        sourceCheck: config.CALLBACK_UNKNOWN_SOURCE_CHECK ?? config.NODE_ENV === "production",
      },
      now,
    ),
    config: { maxBytes: config.CALLBACK_MAX_BYTES, allowlist: callbackAllowlist(config.CALLBACK_IP_ALLOWLIST) },
  };
}
