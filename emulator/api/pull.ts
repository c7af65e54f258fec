// Pull Transactions (§2.11): register once, then page through the last 48 hours of C2B receipts.
import { DarajaFailure, ok, type Reply } from "../reply";
import { parseEatDateTime } from "../time";
import * as v from "../validate";
import type { ApiContext } from "./context";

const WINDOW_MS = 48 * 3600_000;

export function pullRegister({ state, body }: ApiContext): Reply {
  const shortCode = v.shortCode(body, "ShortCode");
  v.oneOf(body, "RequestType", ["Pull"] as const);
  const nominatedNumber = v.msisdn(body, "NominatedNumber");
  const callbackUrl = v.url(body, "CallBackURL")!;
  const already = state.pull.has(shortCode);
  if (!already) state.pull.set(shortCode, { nominatedNumber, callbackUrl });
  return ok({
    ResponseRefID: state.ids.requestId(),
    [state.pullQuirks.registerSpelling]: already ? "1001" : "1000",
    ShortCode: shortCode,
    ResponseDescription: already ? "Shortcode Already Registered" : "Shortcode Registered Successfully",
  });
}

export function pullQuery({ state, body, requestId }: ApiContext): Reply {
  const shortCode = v.shortCode(body, "ShortCode");
  const start = dateField(body, "StartDate");
  const end = dateField(body, "EndDate");
  // One SDK sends a number, another a string (unconfirmed which is required): both accepted.
  const offset = v.amount(body, "OffSetValue", 0, Number.MAX_SAFE_INTEGER);
  if (!state.pull.has(shortCode)) throw new DarajaFailure(400, "400.001", "Bad Request - Invalid ShortCode", requestId);
  const quirks = state.pullQuirks;
  if (quirks.failNext > 0) {
    quirks.failNext--;
    // A failure answered with HTTP 200 (no errorCode envelope): only ResponseCode says so.
    return ok({
      ResponseRefID: requestId,
      ResponseCode: "500",
      ResponseMessage: "Internal Server Error, please retry",
    });
  }
  state.pullPagesServed++;
  if (quirks.expireTokensAfterPages !== null && state.pullPagesServed === quirks.expireTokensAfterPages) {
    // This page is answered; the next request finds its token expired.
    state.tokens.clear();
  }
  const pageSize = state.opts.pullPageSize;
  // Overlap: each page after the first starts one row early (the row is sent twice).
  const from = quirks.overlapPages && offset > 0 ? offset - 1 : offset;

  const oldest = state.now() - WINDOW_MS;
  // STK payments are C2B payments to the shortcode, so they are included (unconfirmed, §2.11).
  const rows = [...state.ledger.values()]
    .filter((e) => (e.kind === "c2b" || e.kind === "stk") && e.shortCode === shortCode)
    // Dates have one-second resolution: a payment at 12:00:00.700 is inside EndDate 12:00:00.
    .filter((e) => e.at >= Math.max(start, oldest) && Math.floor(e.at / 1000) * 1000 <= end)
    .sort((a, b) => a.at - b.at)
    .slice(from, from + pageSize);
  if (rows.length === 0 && quirks.emptyForm === "portal") {
    return ok({ ResponseRefID: requestId, ResponseCode: "1000", ResponseMessage: "Success", Transaction: "[[]]" });
  }
  if (rows.length === 0) {
    // The sandbox's "nothing" answer, keys as captured (RequestID, not ResponseRefID).
    return ok({
      RequestID: requestId,
      ResponseCode: "1001",
      ResponseMessage: "No records found or Organization Name not available",
    });
  }
  const records = rows.map((e) => ({
    transactionId: e.receipt,
    trxDate: new Date(e.at).toISOString().replace(/\.\d{3}Z$/, "Z"),
    msisdn: e.msisdn.slice(3), // 9 digits, as in the docs sample
    sender: "",
    transactiontype: e.transactionType === "Buy Goods" ? "c2b-buy-goods-debit" : "c2b-pay-bill-debit",
    billreference: e.billRef ?? "",
    amount: e.amount.toFixed(2),
    organizationname: "EMULATED MERCHANT",
  }));
  return ok({
    ResponseRefID: requestId,
    ResponseCode: "1000",
    ResponseMessage: "Success",
    Response: quirks.rowsAsString ? JSON.stringify([records]) : [records],
  });
}

function dateField(body: v.Body, field: string): number {
  const ms = typeof body[field] === "string" ? parseEatDateTime(body[field] as string) : null;
  if (ms === null) throw new DarajaFailure(400, "400.002.02", `Bad Request - Invalid ${field}`);
  return ms;
}
