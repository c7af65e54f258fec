import type { PrismaClient } from "@prisma/client";
import { Session } from "@shopify/shopify-api";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import type { SecretBox } from "../settings/secret-box.server";

// The Session table holds each shop's offline Admin API access token (and its refresh token): the
// keys to the merchant's store. They are sealed with the same AES-256-GCM secret box as the Daraja
// credentials; the library's own storage only ever sees envelopes. Rows written before sealing
// (plain tokens) still load, and are sealed the next time the library stores the session.

const SEALED = /^v[12]\.[0-9a-f]{8}\./;
type TokenField = "accessToken" | "refreshToken";
const context = (id: string, field: TokenField) => `session/${id}/${field}`;

export class SealedPrismaSessionStorage extends PrismaSessionStorage<PrismaClient> {
  constructor(
    prisma: PrismaClient,
    private readonly box: SecretBox,
  ) {
    super(prisma);
  }

  override async storeSession(session: Session): Promise<boolean> {
    return super.storeSession(this.map(session, (value, field) => this.box.seal(value, context(session.id, field))));
  }

  override async loadSession(id: string): Promise<Session | undefined> {
    const session = await super.loadSession(id);
    return session && this.opened(session);
  }

  override async findSessionsByShop(shop: string): Promise<Session[]> {
    return (await super.findSessionsByShop(shop)).map((s) => this.opened(s));
  }

  private opened(session: Session): Session {
    return this.map(session, (value, field) =>
      SEALED.test(value) ? this.box.open(value, context(session.id, field)) : value,
    );
  }

  private map(session: Session, f: (value: string, field: TokenField) => string): Session {
    const copy = new Session(session.toObject());
    if (session.accessToken) copy.accessToken = f(session.accessToken, "accessToken");
    if (session.refreshToken) copy.refreshToken = f(session.refreshToken, "refreshToken");
    return copy;
  }
}
