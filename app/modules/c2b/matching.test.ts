import { describe, expect, it } from "vitest";
import { renderAccountReference } from "../settings/account-reference";
import {
  amountProblem,
  applicationFor,
  lookupKeys,
  matchPayment,
  matchReference,
  normaliseReference,
  orderKeys,
  type OrderCandidate,
} from "./matching";

const T0 = new Date("2026-12-01T08:00:00Z");
let n = 0;
function order(
  name: string,
  opts: Partial<OrderCandidate> & { template?: string; confirmationNumber?: string } = {},
): OrderCandidate {
  const { template = "{order_number}", confirmationNumber = `CONF${++n}X`, ...rest } = opts;
  const digits = name.replace(/\D/g, "");
  return {
    orderGid: `gid://shopify/Order/${++n}`,
    orderName: name,
    ...orderKeys({
      accountReference: renderAccountReference(template, { orderNumber: digits, orderName: name }),
      orderName: name,
      confirmationNumber,
    }),
    currency: "KES",
    outstandingKes: 1499,
    paidAt: null,
    cancelledAt: null,
    createdAt: T0,
    ...rest,
  };
}
const pay = (billRef: string, amount = 1499) => ({ billRef, amount, paidAt: new Date(T0.getTime() + 60_000) });

describe("normaliseReference", () => {
  it.each([
    ["  inv1001 ", "INV1001"],
    ["#1001", "1001"],
    ["10 01", "1001"],
    ["INV-1001", "INV1001"],
    ["001001", "1001"],
    ["inv#0001001", "INV1001"],
    ["0", "0"],
    ["000", "0"],
    ["KE-10-05", "KE1005"],
    ["  ", ""],
    ["#-", ""],
  ])("%j -> %j", (raw, key) => expect(normaliseReference(raw)).toBe(key));

  it("keeps zeros that are part of the number", () => {
    expect(normaliseReference("10010")).toBe("10010");
    expect(normaliseReference("A0B0")).toBe("A0B0");
  });

  it("gives the same key for the reference the app issues and the typos customers make of it", () => {
    const issued = renderAccountReference("INV{order_number}", { orderNumber: 1001, orderName: "#1001" });
    for (const typed of ["inv1001", "INV 1001", "#INV1001", "INV-1001", "INV01001", " inv 10-01 "])
      expect(normaliseReference(typed)).toBe(normaliseReference(issued));
  });
});

describe("lookupKeys", () => {
  it("has no key for an empty reference (till payments)", () => {
    expect(lookupKeys("")).toBeNull();
    expect(lookupKeys(" # ")).toBeNull();
  });
  it("offers the digits only when there is one run of them", () => {
    expect(lookupKeys("ke1001")).toEqual({ key: "KE1001", digits: "1001" });
    expect(lookupKeys("A1B2")).toEqual({ key: "A1B2", digits: null });
  });
});

describe("matchReference: the order of the rules", () => {
  it("1. the issued reference, with typos", () => {
    const a = order("#1001", { template: "INV{order_number}" });
    const b = order("#1002", { template: "INV{order_number}" });
    for (const typed of ["inv1001", "INV 1001", "#INV-1001", "INV001001"])
      expect(matchReference(typed, [a, b])).toMatchObject({ matched: true, order: a, rule: "reference" });
  });

  it("2. the order name instead of the reference (and its digits alone)", () => {
    const a = order("#1001", { template: "INV{order_number}" });
    const b = order("KE-2002", { template: "INV{order_number}" });
    expect(matchReference("#1001", [a, b])).toMatchObject({ matched: true, order: a, rule: "order_name" });
    expect(matchReference("1001", [a, b])).toMatchObject({ matched: true, order: a, rule: "order_name" });
    expect(matchReference("ke 2002", [a, b])).toMatchObject({ matched: true, order: b, rule: "order_name" });
    expect(matchReference("2002", [a, b])).toMatchObject({ matched: true, order: b, rule: "order_name" });
    // A prefix nobody issued, the digits are still the order's.
    expect(matchReference("SHP01001", [a, b])).toMatchObject({ matched: true, order: a, rule: "order_name" });
  });

  it("3. the confirmation number", () => {
    const a = order("#1001", { confirmationNumber: "XK4B9T2QZ" });
    const b = order("#1002", { confirmationNumber: "PQ7R8S9TU" });
    expect(matchReference("xk4b 9t2qz", [a, b])).toMatchObject({
      matched: true,
      order: a,
      rule: "confirmation_number",
    });
  });

  it("an earlier rule wins over a later one", () => {
    // Order B's name digits equal order A's issued reference: the issued reference decides.
    const a = order("#77", { template: "{order_number}9", confirmationNumber: "AAA" }); // reference "779"
    const b = order("#779", { template: "X{order_number}", confirmationNumber: "BBB" }); // name digits "779"
    expect(matchReference("779", [a, b])).toMatchObject({ matched: true, order: a, rule: "reference" });
  });

  it("a reference naming two orders is ambiguous, never guessed", () => {
    const a = order("#1001", { template: "INV{order_number}" });
    const b = order("#1001", { template: "INV{order_number}" }); // e.g. two orders named alike
    const result = matchReference("INV1001", [a, b]);
    expect(result).toMatchObject({ matched: false, reason: "AMBIGUOUS_REFERENCE" });
    expect(!result.matched && result.candidates).toEqual([a.orderGid, b.orderGid]);
  });

  it("unknown and empty references", () => {
    const a = order("#1001");
    expect(matchReference("9999", [a])).toMatchObject({ matched: false, reason: "UNKNOWN_REFERENCE" });
    expect(matchReference("", [a])).toMatchObject({ matched: false, reason: "NO_REFERENCE" });
    expect(matchReference("1001", [])).toMatchObject({ matched: false, reason: "UNKNOWN_REFERENCE" });
  });
});

describe("matchPayment: the order's state and the amount", () => {
  it("an open KES order with this reference is the match", () => {
    const a = order("#1001");
    expect(matchPayment(pay("1001"), [a])).toMatchObject({ matched: true, order: a });
  });

  it.each([
    ["cancelled", { cancelledAt: T0 }, "ORDER_CANCELLED"],
    ["already paid", { paidAt: T0 }, "ORDER_ALREADY_PAID"],
    ["nothing outstanding", { outstandingKes: 0 }, "ORDER_ALREADY_PAID"],
    ["in USD", { currency: "USD", outstandingKes: null }, "ORDER_NOT_KES"],
    ["created after the payment", { createdAt: new Date(T0.getTime() + 3_600_000) }, "PAID_BEFORE_ORDER"],
  ] as const)("a %s order is unmatched, with the reason", (_, state, reason) => {
    const a = order("#1001", state);
    const result = matchPayment(pay("1001"), [a]);
    expect(result).toMatchObject({ matched: false, reason, order: a });
  });

  it.each([
    [1499.5, "AMOUNT_NOT_WHOLE"],
    [0, "AMOUNT_NOT_POSITIVE"],
    [-10, "AMOUNT_NOT_POSITIVE"],
    [Number.NaN, "AMOUNT_NOT_POSITIVE"],
  ])("an amount of %s is never applied (%s)", (amount, reason) => {
    const a = order("#1001");
    expect(matchPayment(pay("1001", amount), [a])).toMatchObject({ matched: false, reason, order: a });
    // With no order found either, the amount is the reason given.
    expect(matchPayment(pay("9999", amount), [a])).toMatchObject({ matched: false, reason });
  });

  it("an ambiguous reference stays ambiguous whatever the amount", () => {
    const [a, b] = [order("#5"), order("#5")];
    expect(matchPayment(pay("5", 0), [a, b])).toMatchObject({ matched: false, reason: "AMBIGUOUS_REFERENCE" });
  });
});

describe("amountProblem / applicationFor", () => {
  it("accepts whole positive shillings only", () => {
    expect(amountProblem(1)).toBeNull();
    expect(amountProblem(250_000)).toBeNull();
    expect(amountProblem(0.01)?.reason).toBe("AMOUNT_NOT_WHOLE");
  });

  it("exact, partial and over-payments", () => {
    expect(applicationFor(1499, 1499)).toEqual({ kind: "exact", applyKes: 1499 });
    expect(applicationFor(500, 1499)).toEqual({ kind: "partial", applyKes: 500, remainingKes: 999 });
    expect(applicationFor(2000, 1499)).toEqual({ kind: "over", applyKes: 1499, surplusKes: 501 });
  });
});
