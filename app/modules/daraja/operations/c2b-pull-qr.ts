import { z } from "zod";
import type { DarajaCore, JsonObject } from "../core";
import { DarajaError } from "../errors";
import { normalizeMsisdn } from "../phone";
import { eatDateTime } from "../time";
import { amountSchema, idSchema, optionalString } from "../parsers/common";
import * as v from "../validation";
import { isZeroCode, readString, rejectedAck } from "./answers";

// C2B URL registration (v1 or v2), Pull Transactions (register + paged query) and Dynamic QR.

export interface C2bRegisterInput {
  /** The Register URL API version the shortcode's app product is on (default v2); the other answers
   * "Invalid API call as no apiproduct match found" (isNoApiProductMatch). */
  version?: "v1" | "v2";
  shortCode: string | number;
  responseType: "Completed" | "Cancelled"; // what M-PESA does if ValidationURL does not answer in time
  confirmationUrl: string;
  validationUrl: string;
}

export interface C2bRegisterAck {
  originatorConversationId: string;
  responseCode: string;
  responseDescription: string;
}

export async function c2bRegisterUrl(core: DarajaCore, i: C2bRegisterInput): Promise<C2bRegisterAck> {
  const version = v.oneOf("version", i.version ?? "v2", ["v1", "v2"] as const);
  const body = await core.post(
    `/mpesa/c2b/${version}/registerurl`,
    {
      ShortCode: v.shortCode("shortCode", i.shortCode),
      ResponseType: v.oneOf("responseType", i.responseType, ["Completed", "Cancelled"] as const),
      ConfirmationURL: v.callbackUrl("confirmationUrl", i.confirmationUrl, core.environment, true),
      ValidationURL: v.callbackUrl("validationUrl", i.validationUrl, core.environment, true),
    },
    { unsafe: false, operation: "c2bRegisterUrl" },
  );
  // The sandbox answers "00000000" rather than "0": any all-zero code is success.
  if (!isZeroCode(body.ResponseCode)) throw rejectedAck(body, "c2bRegisterUrl");
  return {
    // Daraja spells it "OriginatorCoversationID" here; read both.
    originatorConversationId: readString(body, ["OriginatorCoversationID", "OriginatorConversationID"], {
      required: false,
      unsafe: false,
      operation: "c2bRegisterUrl",
    }),
    responseCode: String(body.ResponseCode),
    responseDescription: String(body.ResponseDescription ?? ""),
  };
}

/** Daraja's answer when the app's API product does not cover the resource (e.g. C2B v1 vs v2). */
export function isNoApiProductMatch(error: unknown): boolean {
  return error instanceof DarajaError && /no apiproduct match/i.test(error.errorMessage);
}

export interface PullRegisterInput {
  shortCode: string | number;
  nominatedNumber: string; // the MSISDN on the shortcode's KYC, not the shortcode
  callbackUrl: string;
}

export async function pullRegister(core: DarajaCore, i: PullRegisterInput) {
  const body = await core.post(
    "/pulltransactions/v1/register",
    {
      ShortCode: v.shortCode("shortCode", i.shortCode),
      RequestType: "Pull",
      NominatedNumber: normalizeMsisdn(i.nominatedNumber, "nominatedNumber"),
      CallBackURL: v.callbackUrl("callbackUrl", i.callbackUrl, core.environment),
    },
    { unsafe: false, operation: "pullRegister" },
  );
  // The docs table writes "Response Status" with a space; read both spellings.
  const status = String(body.ResponseStatus ?? body["Response Status"] ?? body.ResponseCode ?? "");
  // 1000 = registered, 1001 = already registered: both leave us registered.
  if (status !== "1000" && status !== "1001") throw rejectedAck({ ...body, ResponseCode: status }, "pullRegister");
  return {
    registered: true as const,
    alreadyRegistered: status === "1001",
    responseStatus: status,
    responseDescription: String(body.ResponseDescription ?? ""),
    responseRefId: String(body.ResponseRefID ?? ""),
  };
}

const PullRecordSchema = z.object({
  transactionId: idSchema,
  trxDate: optionalString,
  msisdn: optionalString,
  sender: optionalString,
  transactiontype: optionalString,
  billreference: optionalString,
  amount: amountSchema,
  organizationname: optionalString,
});

export interface PulledTransaction {
  transactionId: string;
  trxDate: Date | null;
  msisdn: string;
  sender: string;
  transactionType: string;
  billReference: string;
  amount: number;
  organizationName: string;
}

export interface PullQueryInput {
  shortCode: string | number;
  startDate: Date;
  endDate: Date;
  pageSize?: number; // rows Daraja returns per page (100 per the docs)
  maxPages?: number; // safety bound
}

/** All C2B transactions in [startDate, endDate] (last 48 h only), following offsets until a short page. */
export async function pullQuery(core: DarajaCore, i: PullQueryInput): Promise<PulledTransaction[]> {
  const shortCode = v.shortCode("shortCode", i.shortCode);
  const start = eatDateTime(v.validDate("startDate", i.startDate));
  const end = eatDateTime(v.validDate("endDate", i.endDate));
  const pageSize = i.pageSize ?? 100;
  const maxPages = i.maxPages ?? 50;
  const all: PulledTransaction[] = [];
  for (let page = 0, offset = 0; page < maxPages; page++) {
    const body = await core.post(
      "/pulltransactions/v1/query",
      // OffSetValue: one SDK sends a string, one a number (unconfirmed which is required); the docs sample is a string.
      { ShortCode: shortCode, StartDate: start, EndDate: end, OffSetValue: String(offset) },
      { unsafe: false, operation: "pullQuery" },
    );
    const rows = pullRows(body);
    all.push(...rows);
    if (rows.length < pageSize) return all;
    offset += rows.length;
  }
  return all;
}

/** "1001" / no rows → []; `Response` is a nested array [[…]] (sometimes a JSON string) — flatten one level. */
export function pullRows(body: JsonObject): PulledTransaction[] {
  const code = String(body.ResponseCode ?? "");
  if (code === "1001") return [];
  let raw: unknown = body.Response ?? body.Transaction;
  // Daraja reports some failures with HTTP 200: a ResponseCode other than 1000/1001, or an answer with
  // neither a code nor rows. Those are failures (retried), never "no transactions".
  if (code !== "1000" && !(code === "" && raw !== undefined)) {
    throw new DarajaError({
      httpStatus: 200,
      errorCode: code || null,
      errorMessage: `pullQuery: ${String(body.ResponseMessage ?? body.ResponseDescription ?? "an answer without ResponseCode or rows")}`,
      requestId: body.ResponseRefID != null ? String(body.ResponseRefID) : null,
      kind: "retryable",
    });
  }
  raw ??= [];
  if (typeof raw === "string") {
    try {
      raw = JSON.parse(raw);
    } catch {
      raw = [];
    }
  }
  const flat = (Array.isArray(raw) ? raw : [raw]).flat(1).filter((r) => r && typeof r === "object");
  return flat.map((r) => {
    const p = PullRecordSchema.safeParse(r);
    if (!p.success) {
      throw new DarajaError({
        httpStatus: 200,
        errorMessage: `pullQuery: unreadable record ${JSON.stringify(r).slice(0, 200)}`,
        kind: "retryable",
      });
    }
    const trxDate = new Date(p.data.trxDate);
    return {
      transactionId: p.data.transactionId,
      trxDate: Number.isNaN(trxDate.getTime()) ? null : trxDate,
      msisdn: p.data.msisdn,
      sender: p.data.sender,
      transactionType: p.data.transactiontype,
      billReference: p.data.billreference,
      amount: p.data.amount,
      organizationName: p.data.organizationname,
    };
  });
}

export interface DynamicQrInput {
  merchantName: string;
  refNo: string;
  amount: number;
  trxCode: "BG" | "WA" | "PB" | "SM" | "SB";
  cpi: string; // shortcode, till or (SM) MSISDN
  size?: number; // pixels
}

export async function dynamicQr(core: DarajaCore, i: DynamicQrInput) {
  const body = await core.post(
    "/mpesa/qrcode/v1/generate",
    {
      MerchantName: v.text("merchantName", i.merchantName, { max: 100 }),
      RefNo: v.text("refNo", i.refNo, { max: 20 }),
      Amount: v.amount("amount", i.amount, 1, 250_000),
      TrxCode: v.oneOf("trxCode", i.trxCode, ["BG", "WA", "PB", "SM", "SB"] as const),
      CPI: v.text("cpi", String(i.cpi ?? ""), { max: 20, pattern: /^\d+$/, patternHint: "digits" }),
      Size: String(Math.round(i.size ?? 300)),
    },
    { unsafe: false, operation: "dynamicQr" },
  );
  // The docs sample shows an odd AG_… ResponseCode; the QR image itself is the reliable success signal.
  const qrCode = readString(body, ["QRCode"], { required: false, unsafe: false, operation: "dynamicQr" });
  if (!qrCode) throw rejectedAck(body, "dynamicQr");
  return {
    qrCode, // base64 PNG
    responseCode: String(body.ResponseCode ?? ""),
    responseDescription: String(body.ResponseDescription ?? ""),
    requestId: String(body.RequestID ?? ""),
  };
}
