import type { PrismaClient } from "@prisma/client";
import type { StoredToken, TokenStore } from "./token-store";

// Shared token store on the DarajaToken table: every app instance reads the same token. Injected by
// the composition root; the client core never imports this file (nor Prisma).

type Db = Pick<PrismaClient, "darajaToken">;

export class PrismaTokenStore implements TokenStore {
  constructor(private readonly db: Db) {}

  async get(cacheKey: string): Promise<StoredToken | null> {
    const row = await this.db.darajaToken.findUnique({ where: { cacheKey } });
    return row ? { token: row.token, expiresAt: row.expiresAt } : null;
  }

  async set(cacheKey: string, value: StoredToken): Promise<void> {
    await this.db.darajaToken.upsert({
      where: { cacheKey },
      create: { cacheKey, token: value.token, expiresAt: value.expiresAt },
      update: { token: value.token, expiresAt: value.expiresAt },
    });
  }

  async delete(cacheKey: string, onlyToken?: string): Promise<void> {
    // deleteMany: no error when the row is already gone (another instance got there first).
    await this.db.darajaToken.deleteMany({ where: onlyToken === undefined ? { cacheKey } : { cacheKey, token: onlyToken } });
  }
}
