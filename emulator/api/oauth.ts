// OAuth (§1): GET /oauth/v1/generate?grant_type=client_credentials with Basic auth.
import type { State } from "../state";
import { errorEnvelope, ok, type Reply } from "../reply";

export function generateToken(
  state: State,
  query: URLSearchParams,
  authorization: string | undefined,
  requestId: string,
): Reply {
  state.stats.oauthRequests++;
  const match = /^Basic\s+(\S+)$/i.exec(authorization ?? "");
  if (!match) return errorEnvelope(400, requestId, "400.008.01", "Invalid Authentication passed");
  if (query.get("grant_type") !== "client_credentials") {
    return errorEnvelope(400, requestId, "400.008.02", "Invalid grant type passed");
  }
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const sep = decoded.indexOf(":");
  const key = sep < 0 ? decoded : decoded.slice(0, sep);
  const secret = sep < 0 ? "" : decoded.slice(sep + 1);
  const app = state.opts.credentials.find((c) => c.consumerKey === key);
  // UNCONFIRMED (the reference does not document wrong key/secret). Safaricom Ethiopia's gateway, per two
  // SDKs (et.safaricom Java SDK AuthErrorResponse; a TS SDK's ErrorHandler), answers 999991 "Invalid
  // client id passed" for a bad username and 999997 "Invalid Authorization Header" for a bad password;
  // nothing Kenyan was found. We follow the project's chosen fallback below (see README "Fidelity").
  if (!app) return { status: 400, body: { resultCode: "999991", resultDesc: "Invalid client id passed" } };
  if (app.consumerSecret !== secret) {
    return { status: 400, body: { resultCode: "999996", resultDesc: "Invalid Authentication passed" } };
  }
  if (state.opts.revokePreviousTokens) {
    for (const [t, v] of state.tokens) if (v.consumerKey === key) state.tokens.delete(t);
  }
  const token = state.ids.accessToken();
  const ttl = state.opts.tokenTtlSeconds;
  state.tokens.set(token, { consumerKey: key, expiresAt: state.now() + ttl * 1000 });
  state.stats.tokensIssued++;
  // Daraja reports one second less than the lifetime, as a string ("3599") in most observed responses.
  return ok({ access_token: token, expires_in: String(Math.max(0, Math.ceil(ttl) - 1)) });
}

export function tokenIsValid(state: State, token: string): boolean {
  const t = state.tokens.get(token);
  return !!t && t.expiresAt > state.now();
}
