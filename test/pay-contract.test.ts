import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ATTEMPT_STATUSES, REFUSAL_CODES } from "@mpesa-checkout/pay-contract";
import { STATUSES } from "../app/modules/payments/attempt-status";
import { REFUSAL_MESSAGES } from "../app/modules/payments/payability";

// The extension's HTTP contract is defined once (packages/pay-contract). These checks fail when a
// copy of its types reappears elsewhere or the app's vocabulary drifts from it; the app's real
// answers are checked against it in payments-binding.test.ts.

const ROOT = path.resolve(__dirname, "..");
function sources(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : sources(rel);
    return /\.tsx?$/.test(entry.name) ? [rel] : [];
  });
}

describe("the extension's HTTP contract, defined once", () => {
  it("no copy of its types is declared in the app, the extension or the sandbox page", () => {
    const declaration =
      /\b(interface|type)\s+(AttemptView|PayStatus|PaymentStatus|AttemptStatus|RefusalCode|AdminOrderView|AdminPayment|AdminPrompt|AdminOrderAction)\b\s*(=\s*[{"(]|\{|<)/;
    const copies = [
      ...sources("app"),
      ...sources("extensions/checkout-ui/src"),
      ...sources("extensions/admin-order-block/src"),
    ].filter((file) => declaration.test(fs.readFileSync(path.join(ROOT, file), "utf8")));
    expect(copies).toEqual([]);
  });

  it("the app's attempt states and refusal wording cover exactly the contract's codes", () => {
    expect([...STATUSES]).toEqual([...ATTEMPT_STATUSES]);
    expect(Object.keys(REFUSAL_MESSAGES).sort()).toEqual([...REFUSAL_CODES].sort());
  });
});
