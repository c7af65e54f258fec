import { describe, expect, it } from "vitest";
import {
  MalformedPayloadError,
  parseAccountBalanceResult,
  parseB2cResult,
  parseC2bConfirmation,
  parseC2bValidation,
  parseQueueTimeout,
  parseResult,
  parseReversalResult,
  parseStkCallback,
  parseTransactionStatusResult,
} from "~/modules/daraja";

// Payloads are the examples of docs/DARAJA.md, plus each listed quirk.

const stkSuccess = () => ({
  Body: {
    stkCallback: {
      MerchantRequestID: "8c1d-4f0a-a3e2-5b9e71c2d0aa1203344",
      CheckoutRequestID: "ws_CO_14032026153012845712345678",
      ResultCode: 0,
      ResultDesc: "The service request is processed successfully.",
      CallbackMetadata: {
        Item: [
          { Name: "Amount", Value: 150 },
          { Name: "MpesaReceiptNumber", Value: "TCE4XK91QZ" },
          { Name: "Balance" },
          { Name: "TransactionDate", Value: 20260314153041 },
          { Name: "PhoneNumber", Value: 254712345678 },
        ] as { Name: string; Value?: unknown }[],
      },
    },
  },
});

describe("parseStkCallback", () => {
  it("reads the documented success example", () => {
    expect(parseStkCallback(stkSuccess())).toEqual({
      merchantRequestId: "8c1d-4f0a-a3e2-5b9e71c2d0aa1203344",
      checkoutRequestId: "ws_CO_14032026153012845712345678",
      resultCode: "0",
      resultDesc: "The service request is processed successfully.",
      amount: 150,
      mpesaReceiptNumber: "TCE4XK91QZ",
      transactionDate: new Date("2026-03-14T12:30:41.000Z"), // EAT 15:30:41
      phoneNumber: "254712345678",
    });
  });

  it("reads the failure example (no CallbackMetadata)", () => {
    const body = {
      Body: {
        stkCallback: {
          MerchantRequestID: "m-1",
          CheckoutRequestID: "ws_CO_1",
          ResultCode: 1032,
          ResultDesc: "Request cancelled by user",
        },
      },
    };
    expect(parseStkCallback(body)).toEqual({
      merchantRequestId: "m-1",
      checkoutRequestId: "ws_CO_1",
      resultCode: "1032",
      resultDesc: "Request cancelled by user",
    });
  });

  it("accepts the quirks: 1.00 amounts, string values, items in any order, Balance missing, string codes", () => {
    const body = stkSuccess();
    body.Body.stkCallback.CallbackMetadata.Item = [
      { Name: "PhoneNumber", Value: "0722000000" },
      { Name: "TransactionDate", Value: "20260314153041" },
      { Name: "MpesaReceiptNumber", Value: "TCE4XK91QZ" },
      { Name: "Amount", Value: "1.00" },
    ];
    const parsed = parseStkCallback(body);
    expect(parsed.amount).toBe(1);
    expect(parsed.phoneNumber).toBe("254722000000");
    expect(parsed.transactionDate?.toISOString()).toBe("2026-03-14T12:30:41.000Z");

    const sfc = {
      Body: {
        stkCallback: {
          MerchantRequestID: "m",
          CheckoutRequestID: "c",
          ResultCode: "SFC_IC0003",
          ResultDesc: "The operator does not exist.",
        },
      },
    };
    expect(parseStkCallback(sfc).resultCode).toBe("SFC_IC0003");
  });

  it("accepts a single Item object and a Balance string", () => {
    const body = stkSuccess() as { Body: { stkCallback: Record<string, unknown> } };
    body.Body.stkCallback.ResultCode = 1;
    body.Body.stkCallback.CallbackMetadata = {
      Item: { Name: "Balance", Value: "{Amount={CurrencyCode=KES, MinimumAmount=0, BasicAmount=0}}" },
    };
    expect(parseStkCallback(body).resultCode).toBe("1");
  });

  it("keeps a masked or hashed phone as received", () => {
    const body = stkSuccess();
    body.Body.stkCallback.CallbackMetadata.Item[4] = { Name: "PhoneNumber", Value: "2547 ***** 678" };
    expect(parseStkCallback(body).phoneNumber).toBe("2547 ***** 678");
  });

  it("accepts the raw JSON text", () => {
    expect(parseStkCallback(JSON.stringify(stkSuccess())).mpesaReceiptNumber).toBe("TCE4XK91QZ");
  });

  it.each([
    ["not an object", "hello", "(body)"],
    ["no Body", { stkCallback: {} }, "Body"],
    [
      "no CheckoutRequestID",
      { Body: { stkCallback: { MerchantRequestID: "m", ResultCode: 0 } } },
      "Body.stkCallback.CheckoutRequestID",
    ],
    [
      "no ResultCode",
      { Body: { stkCallback: { MerchantRequestID: "m", CheckoutRequestID: "c" } } },
      "Body.stkCallback.ResultCode",
    ],
  ])("rejects %s, saying where", (_label, body, path) => {
    expect(() => parseStkCallback(body)).toThrow(MalformedPayloadError);
    expect(() => parseStkCallback(body)).toThrow(path);
  });

  it("rejects a paid callback without a receipt, a fractional amount or a bad date", () => {
    const noReceipt = stkSuccess();
    noReceipt.Body.stkCallback.CallbackMetadata.Item.splice(1, 1);
    expect(() => parseStkCallback(noReceipt)).toThrow(/MpesaReceiptNumber/);
    const cents = stkSuccess();
    cents.Body.stkCallback.CallbackMetadata.Item[0] = { Name: "Amount", Value: 150.5 };
    expect(() => parseStkCallback(cents)).toThrow(/Amount/);
    const date = stkSuccess();
    date.Body.stkCallback.CallbackMetadata.Item[3] = { Name: "TransactionDate", Value: 2026 };
    expect(() => parseStkCallback(date)).toThrow(/TransactionDate/);
  });
});

const confirmation = () => ({
  TransactionType: "Pay Bill",
  TransID: "TCF2MN8QRS",
  TransTime: "20260314160522",
  TransAmount: "1500.00",
  BusinessShortCode: "600984",
  BillRefNumber: "SHP10492",
  InvoiceNumber: "",
  OrgAccountBalance: "84210.00",
  ThirdPartyTransID: "",
  MSISDN: "2547 ***** 678",
  FirstName: "JANE",
  MiddleName: "",
  LastName: "",
});

describe("C2B validation and confirmation", () => {
  it("reads the documented v2 confirmation (masked MSISDN)", () => {
    const p = parseC2bConfirmation(confirmation());
    expect(p).toMatchObject({
      transactionType: "Pay Bill",
      transId: "TCF2MN8QRS",
      transTime: new Date("2026-03-14T13:05:22.000Z"),
      amount: 1500,
      businessShortCode: "600984",
      billRefNumber: "SHP10492",
      orgAccountBalance: 84210,
      payer: { kind: "masked", masked: "2547 ***** 678" },
      firstName: "JANE",
    });
  });

  it("reads a v1 hashed MSISDN, numbers instead of strings, and a messy bill reference", () => {
    const hash = "a".repeat(64);
    const p = parseC2bConfirmation({
      ...confirmation(),
      MSISDN: hash,
      TransAmount: 1500,
      BusinessShortCode: 600984,
      BillRefNumber: " shp 10492 ",
    });
    expect(p.payer).toEqual({ kind: "hashed", hash });
    expect(p.amount).toBe(1500);
    expect(p.businessShortCode).toBe("600984");
    expect(p.billRefNormalized).toBe("SHP10492");
  });

  it("reads a validation request with a blank balance and the older masked form", () => {
    const p = parseC2bValidation({ ...confirmation(), OrgAccountBalance: "", MSISDN: "25470****149" });
    expect(p.orgAccountBalance).toBeNull();
    expect(p.payer).toEqual({ kind: "masked", masked: "25470****149" });
  });

  it("rejects missing TransID, bad amounts and bad times", () => {
    const { TransID: _omit, ...noId } = confirmation();
    expect(() => parseC2bConfirmation(noId)).toThrow(/TransID/);
    expect(() => parseC2bConfirmation({ ...confirmation(), TransAmount: "abc" })).toThrow(/TransAmount/);
    expect(() => parseC2bConfirmation({ ...confirmation(), TransTime: "yesterday" })).toThrow(/TransTime/);
    expect(() => parseC2bValidation({ ...confirmation(), MSISDN: "hello" })).toThrow(MalformedPayloadError);
  });
});

const envelope = (result: Record<string, unknown>) => ({
  Result: {
    ResultType: 0,
    ResultCode: 0,
    ResultDesc: "The service request is processed successfully.",
    OriginatorConversationID: "5118-111210482-1",
    ConversationID: "AG_20260314_2010759fd5662ef6d054",
    TransactionID: "TCG7PL2XYZ",
    ...result,
  },
});

describe("initiator Results and QueueTimeOut", () => {
  it("reads the generic envelope with a single ReferenceItem object", () => {
    const r = parseResult(
      envelope({
        ResultParameters: { ResultParameter: [{ Key: "Amount", Value: "150" }] },
        ReferenceData: {
          ReferenceItem: {
            Key: "QueueTimeoutURL",
            Value: "https://internalsandbox.safaricom.co.ke/mpesa/b2cresults/v1/submit",
          },
        },
      }),
    );
    expect(r.resultCode).toBe("0");
    expect(r.resultType).toBe("0");
    expect(r.parameters).toEqual({ Amount: "150" });
    expect(r.referenceData.QueueTimeoutURL).toContain("internalsandbox");
  });

  it("reads a B2C success", () => {
    const r = parseB2cResult(
      envelope({
        ResultParameters: {
          ResultParameter: [
            { Key: "TransactionAmount", Value: 10 },
            { Key: "TransactionReceipt", Value: "TCG7PL2XYZ" },
            { Key: "ReceiverPartyPublicName", Value: "254712345678 - JANE DOE" },
            { Key: "TransactionCompletedDateTime", Value: "14.03.2026 15:30:41" },
            { Key: "B2CUtilityAccountAvailableFunds", Value: 10116.0 },
            { Key: "B2CWorkingAccountAvailableFunds", Value: 900000.0 },
            { Key: "B2CRecipientIsRegisteredCustomer", Value: "Y" },
            { Key: "B2CChargesPaidAccountAvailableFunds", Value: -4510.0 },
          ],
        },
      }),
    );
    expect(r).toMatchObject({
      transactionAmount: 10,
      transactionReceipt: "TCG7PL2XYZ",
      utilityAccountAvailableFunds: 10116,
      chargesPaidAccountAvailableFunds: -4510,
      recipientIsRegistered: true,
    });
  });

  it("reads failures: string codes, no parameters, items without Value, a single parameter object", () => {
    const fail = parseB2cResult(
      envelope({ ResultType: "0", ResultCode: "2001", ResultDesc: "The initiator information is invalid." }),
    );
    expect(fail.resultCode).toBe("2001");
    expect(fail.parameters).toEqual({});
    const single = parseResult(
      envelope({ ResultCode: 21, ResultParameters: { ResultParameter: { Key: "Occasion" } } }),
    );
    expect(single.parameterList).toEqual([{ key: "Occasion", value: undefined }]);
    const balanceFailure = parseAccountBalanceResult(
      envelope({ ResultCode: 1, ResultParameters: { ResultParameter: { Key: "ErrorMsg", Value: "x" } } }),
    );
    expect(balanceFailure.accounts).toEqual([]);
  });

  it("reads a Reversal result with R-codes and the pipe balance", () => {
    const r = parseReversalResult(
      envelope({
        ResultCode: "R000002",
        ResultParameters: {
          ResultParameter: [
            { Key: "DebitAccountBalance", Value: "Utility Account|KES|51661.00|51661.00|0.00|0.00" },
            { Key: "Amount", Value: 150 },
            { Key: "TransCompletedTime", Value: 20260314153041 },
            { Key: "OriginalTransactionID", Value: "TCE4XK91QZ" },
            { Key: "Charge", Value: 0 },
          ],
        },
      }),
    );
    expect(r.resultCode).toBe("R000002");
    expect(r.debitAccountBalance).toEqual([
      { name: "Utility Account", currency: "KES", available: 51661, uncleared: 51661, reserved: 0, extra: ["0.00"] },
    ]);
    expect(r.originalTransactionId).toBe("TCE4XK91QZ");
  });

  it("reads a Transaction Status result with a repeated DebitPartyName and no TransactionReason value", () => {
    const r = parseTransactionStatusResult(
      envelope({
        ResultParameters: {
          ResultParameter: [
            { Key: "DebitPartyName", Value: "600984 - Shop" },
            { Key: "DebitPartyName", Value: "254712345678 - JANE" },
            { Key: "TransactionReason" },
            { Key: "TransactionStatus", Value: "Completed" },
            { Key: "Amount", Value: "150" },
            { Key: "ReceiptNo", Value: "TCE4XK91QZ" },
            { Key: "DebitPartyCharges", Value: "Fee For B2C Payment|KES|22.40" },
          ],
        },
      }),
    );
    expect(r).toMatchObject({
      transactionStatus: "Completed",
      amount: 150,
      receiptNo: "TCE4XK91QZ",
      debitPartyName: "600984 - Shop",
    });
    expect(r.parameterList.filter((p) => p.key === "DebitPartyName")).toHaveLength(2);
  });

  it("splits the Account Balance string into accounts", () => {
    const r = parseAccountBalanceResult(
      envelope({
        ResultParameters: {
          ResultParameter: [
            {
              Key: "AccountBalance",
              Value:
                "Working Account|KES|700000.00|700000.00|0.00|0.00&Utility Account|KES|228037.00|228037.00|0.00|0.00&Charges Paid Account|KES|-1540.00|-1540.00|0.00|0.00",
            },
            { Key: "BOCompletedTime", Value: 20260314153041 },
          ],
        },
      }),
    );
    expect(r.accounts.map((a) => [a.name, a.available])).toEqual([
      ["Working Account", 700000],
      ["Utility Account", 228037],
      ["Charges Paid Account", -1540],
    ]);
    expect(r.completedTime).toBe("20260314153041");
    expect(() =>
      parseAccountBalanceResult(
        envelope({ ResultParameters: { ResultParameter: { Key: "AccountBalance", Value: "garbage" } } }),
      ),
    ).toThrow(MalformedPayloadError);
  });

  it("reads the assumed QueueTimeOut envelope as an unknown outcome", () => {
    const r = parseQueueTimeout({
      Result: {
        ResultCode: "1",
        ResultDesc: "The service request has timed out.",
        OriginatorConversationID: "oc-1",
        ConversationID: "AG_1",
      },
    });
    expect(r).toMatchObject({ outcome: "unknown", resultCode: "1", originatorConversationId: "oc-1" });
  });

  it("rejects a body without Result or ResultCode", () => {
    expect(() => parseResult({})).toThrow(/Result/);
    expect(() => parseResult({ Result: { ResultDesc: "x" } })).toThrow(/Result\.ResultCode/);
  });
});
