import type { PrismaClient } from "@prisma/client";
import { isUniqueViolation } from "../../lib/db-errors";
import type { StoredToken, TokenStore } from "./token-store";

// Shared token store on the DarajaToken table: every app instance reads the same token. Injected by
// the composition root; the client core never imports this file (nor Prisma).
// - Tokens are sealed at rest with the injected cipher (the settings' AES-256-GCM secret box); a
//   token that no longer opens (key changed, row altered) reads as absent and is simply re-fetched.
// - The refresh claim is a conditional update of `lockedUntil` (or the insert of a placeholder row
//   when the key has no row yet): it works the same on SQLite and PostgreSQL, and a holder that dies
//   loses its claim when the lease ends.

type Db = Pick<PrismaClient, "darajaToken" | "$executeRaw">;

export interface TokenCipher {
  seal(plaintext: string, context: string): string;
  open(envelope: string, context: string): string;
}

const context = (cacheKey: string) => `daraja-token/${cacheKey}`;

export class PrismaTokenStore implements TokenStore {
  constructor(
    private readonly db: Db,
    private readonly cipher: TokenCipher,
  ) {}

  async get(cacheKey: string): Promise<StoredToken | null> {
    const row = await this.db.darajaToken.findUnique({ where: { cacheKey } });
    if (!row || !row.token) return null; // no row, or only a refresh claim's placeholder
    try {
      return { token: this.cipher.open(row.token, context(cacheKey)), expiresAt: row.expiresAt };
    } catch {
      return null;
    }
  }

  async set(cacheKey: string, value: StoredToken): Promise<void> {
    const data = {
      token: this.cipher.seal(value.token, context(cacheKey)),
      expiresAt: value.expiresAt,
      lockedUntil: null,
    };
    await this.db.darajaToken.upsert({ where: { cacheKey }, create: { cacheKey, ...data }, update: data });
  }

  async delete(cacheKey: string, onlyToken?: string): Promise<void> {
    if (onlyToken === undefined) {
      // deleteMany: no error when the row is already gone (another instance got there first).
      await this.db.darajaToken.deleteMany({ where: { cacheKey } });
      return;
    }
    // Envelopes are randomised: compare the opened token, then delete only the row we read.
    const row = await this.db.darajaToken.findUnique({ where: { cacheKey } });
    if (!row?.token || (await this.get(cacheKey))?.token !== onlyToken) return;
    await this.db.darajaToken.deleteMany({ where: { cacheKey, token: row.token } });
  }

  async claimRefresh(cacheKey: string, now: Date, until: Date): Promise<boolean> {
    // One autocommit statement: Prisma's updateMany runs as a read-then-write transaction, and two
    // of those on two SQLite connections wait on each other until the busy timeout.
    const count = await this.db.$executeRaw`
      UPDATE "DarajaToken" SET "lockedUntil" = ${until}
      WHERE "cacheKey" = ${cacheKey} AND ("lockedUntil" IS NULL OR "lockedUntil" < ${now})`;
    if (count === 1) return true;
    try {
      await this.db.darajaToken.create({ data: { cacheKey, token: "", expiresAt: new Date(0), lockedUntil: until } });
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false; // the row exists and someone else holds the claim
      throw error;
    }
  }

  async releaseRefresh(cacheKey: string): Promise<void> {
    await this.db.$executeRaw`UPDATE "DarajaToken" SET "lockedUntil" = NULL WHERE "cacheKey" = ${cacheKey}`;
  }
}
