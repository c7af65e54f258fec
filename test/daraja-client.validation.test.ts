import { beforeEach, describe, expect, it, vi } from "vitest";
import { createDarajaClient, DarajaRequestValidationError, InMemoryTokenStore } from "~/modules/daraja";

// Nothing may be sent when a request fails its pre-flight check: the transport throws if called.
const noNetwork = vi.fn(async () => {
  throw new Error("must not be called");
}) as unknown as typeof fetch;

beforeEach(() => {
  vi.mocked(noNetwork).mockClear();
});

const client = (baseUrl = "https://sandbox.safaricom.co.ke") =>
  createDarajaClient({
    baseUrl,
    consumerKey: "k",
    consumerSecret: "s",
    fetch: noNetwork,
    tokenStore: new InMemoryTokenStore(),
  });

const stk = {
  businessShortCode: 174379,
  passkey: "passkey",
  transactionType: "CustomerPayBillOnline" as const,
  amount: 150,
  phone: "0712345678",
  partyB: 174379,
  callbackUrl: "https://pay.example-shop.co.ke/hooks/stk/7f3c2a",
  accountReference: "SHP10492",
  transactionDesc: "Order 10492",
};
const initiator = {
  initiatorName: "testapi",
  credential: { securityCredential: "abc" },
  resultUrl: "https://pay.example-shop.co.ke/hooks/result",
  queueTimeOutUrl: "https://pay.example-shop.co.ke/hooks/timeout",
};

async function fieldOf(run: Promise<unknown>): Promise<string> {
  const err = await run.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DarajaRequestValidationError);
  expect(noNetwork).not.toHaveBeenCalled(); // refused before even fetching a token
  return (err as DarajaRequestValidationError).field;
}

describe("requests are checked before they are sent", () => {
  it.each([
    [{ accountReference: "SHP1049212345" }, "accountReference"], // 13 > 12
    [{ accountReference: "" }, "accountReference"],
    [{ transactionDesc: "Order 10492 ab" }, "transactionDesc"], // 14 > 13
    [{ amount: 0 }, "amount"],
    [{ amount: 10.5 }, "amount"],
    [{ amount: 250_001 }, "amount"],
    [{ phone: "0812345678" }, "phone"],
    [{ callbackUrl: " https://x.example/cb" }, "callbackUrl"],
    [{ callbackUrl: "not a url" }, "callbackUrl"],
    [{ businessShortCode: "17a379" }, "businessShortCode"],
    [{ transactionType: "CustomerPayBill" }, "transactionType"],
  ])("stkPush %j → %s", async (override, field) => {
    expect(await fieldOf(client().stkPush({ ...stk, ...override } as typeof stk))).toBe(field);
  });

  it("allows 12-character references and 13-character descriptions", async () => {
    const err = await client()
      .stkPush({ ...stk, accountReference: "SHP104921234", transactionDesc: "Order 1049212" })
      .catch((e: Error) => e);
    expect(err).not.toBeInstanceOf(DarajaRequestValidationError); // reached the (refusing) transport
  });

  it("requires https callbacks in production only", async () => {
    expect(
      await fieldOf(client("https://api.safaricom.co.ke").stkPush({ ...stk, callbackUrl: "http://shop.example/cb" })),
    ).toBe("callbackUrl");
    const sandbox = await client()
      .stkPush({ ...stk, callbackUrl: "http://shop.example/cb" })
      .catch((e: Error) => e);
    expect(sandbox).not.toBeInstanceOf(DarajaRequestValidationError);
  });

  it.each([
    "https://shop.example/mpesa/confirm",
    "https://shop.example/SAFARICOM",
    "https://shop.example/c?query=1",
    "https://shop.example/M-PESA",
  ])("C2B URLs with banned words are refused: %s", async (url) => {
    const c2b = {
      shortCode: 600984,
      responseType: "Completed" as const,
      confirmationUrl: url,
      validationUrl: "https://shop.example/v",
    };
    expect(await fieldOf(client().c2bRegisterUrl(c2b))).toBe("confirmationUrl");
  });

  it("C2B ResponseType must be exactly Completed or Cancelled", async () => {
    const c2b = {
      shortCode: 600984,
      responseType: "completed",
      confirmationUrl: "https://s.example/c",
      validationUrl: "https://s.example/v",
    };
    expect(await fieldOf(client().c2bRegisterUrl(c2b as never))).toBe("responseType");
  });

  it.each([
    [{ amount: 9 }, "amount"],
    [{ remarks: "x" }, "remarks"],
    [{ remarks: "x".repeat(101) }, "remarks"],
    [{ occasion: "x".repeat(101) }, "occasion"],
    [{ originatorConversationId: "" }, "originatorConversationId"],
    [{ phone: "12345" }, "phone"],
    [{ resultUrl: "ftp://x.example/r" }, "resultUrl"],
  ])("b2c %j → %s", async (override, field) => {
    const b2c = {
      ...initiator,
      originatorConversationId: "oc-1",
      amount: 100,
      partyA: 600584,
      phone: "0712345678",
      remarks: "refund",
      ...override,
    };
    expect(await fieldOf(client().b2c(b2c))).toBe(field);
  });

  it("reversal, transaction status and balance name their fields", async () => {
    expect(
      await fieldOf(
        client().reversal({
          ...initiator,
          transactionId: "bad id",
          amount: 10,
          receiverParty: 600984,
          remarks: "refund",
        }),
      ),
    ).toBe("transactionId");
    expect(await fieldOf(client().transactionStatus({ ...initiator, partyA: 600984, remarks: "recon" }))).toBe(
      "transactionId",
    );
    expect(await fieldOf(client().accountBalance({ ...initiator, partyA: 600984, remarks: "" }))).toBe("remarks");
    expect(
      await fieldOf(
        client().accountBalance({
          ...initiator,
          credential: { securityCredential: "" },
          partyA: 600984,
          remarks: "ok",
        }),
      ),
    ).toBe("securityCredential");
  });

  it("pull and QR inputs are checked", async () => {
    expect(
      await fieldOf(
        client().pullRegister({ shortCode: 600984, nominatedNumber: "600984", callbackUrl: "https://s.example/p" }),
      ),
    ).toBe("nominatedNumber");
    expect(
      await fieldOf(client().pullQuery({ shortCode: 600984, startDate: new Date("x"), endDate: new Date() })),
    ).toBe("startDate");
    expect(
      await fieldOf(
        client().dynamicQr({ merchantName: "Shop", refNo: "R1", amount: 1, trxCode: "XX" as never, cpi: "600984" }),
      ),
    ).toBe("trxCode");
  });
});
