/// <reference types="@shopify/ui-extensions/admin.order-details.block.render" />
// The order-details block in the official tester: what it shows for an unpaid and a paid order, and
// what the two actions send to the app.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { fireEvent } from "@testing-library/preact";
import { getExtension } from "@shopify/ui-extensions-tester";
import { json, ORDER_ID, paidView, payment, unpaidView } from "./fixtures";
import { button, field, hasButton, settle, text, unmount, waitForText } from "./dom";

const extension = getExtension("admin.order-details.block.render");

beforeEach(() => {
  extension.setUp();
});
afterEach(() => {
  unmount();
  extension.tearDown();
});

function answer(...responses: Array<Response | Error>) {
  const fetch = vi.fn();
  for (const response of responses) {
    if (response instanceof Error) fetch.mockRejectedValueOnce(response);
    else fetch.mockResolvedValueOnce(response);
  }
  extension.fetch = fetch;
  return fetch;
}

const body = (call: unknown[]) => JSON.parse(String((call[1] as RequestInit).body));

describe("order block: loading", () => {
  test("asks the app for the selected order with the admin's ID token", async () => {
    const fetch = answer(json(unpaidView()));
    await extension.render();
    await waitForText("Left to pay: KES 1,500");
    expect(extension.shopify.data.selected[0]!.id).toBe(ORDER_ID);
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe("/api/admin/order/1");
    expect(new Headers(init.headers).get("Authorization")).toBe("Bearer mock-id-token");
    expect(document.querySelector("s-admin-block")?.getAttribute("heading")).toBe("M-PESA");
  });

  test("says so when the app cannot be reached, and reloads on request", async () => {
    answer(new Error("network down"), json(paidView()));
    await extension.render();
    await waitForText("could not be reached");
    fireEvent.click(button("Reload"));
    await waitForText("Receipt QK12ABC345");
  });

  test("a non-M-PESA order shows only that", async () => {
    answer(json(unpaidView({ mpesa: false, prompt: { allowed: false, reason: "not ours" } })));
    await extension.render();
    await waitForText("not placed with your M-PESA payment method");
    expect(hasButton("Send payment prompt for KES 1,500")).toBe(false);
  });
});

describe("order block: an unpaid order", () => {
  test("offers the payment prompt for the balance, to the order's phone", async () => {
    const fetch = answer(
      json(unpaidView()),
      json({
        message: "Prompt for KES 1500 sent to 2547****5678.",
        view: unpaidView({
          payments: [
            payment({
              status: "PENDING",
              statusLabel: "Prompt sent, waiting for the customer",
              receipt: null,
              refunds: null,
            }),
          ],
          prompt: { allowed: false, reason: "A prompt is on the customer's phone now: wait for its answer." },
        }),
      }),
    );
    await extension.render();
    await waitForText("Send payment prompt for KES 1,500");
    expect(field("s-text-field").getAttribute("details")).toBe("Leave empty to use the order's number (2547****5678).");
    fireEvent.click(button("Send payment prompt for KES 1,500"));
    await waitForText("Prompt for KES 1500 sent to 2547****5678.");

    const [url, init] = fetch.mock.calls[1]!;
    expect(url).toBe("/api/admin/order/1");
    expect(init.method).toBe("POST");
    // No amount is ever sent: the app charges Shopify's outstanding balance.
    expect(body(fetch.mock.calls[1]!)).toEqual({ intent: "prompt" });
    expect(text()).toContain("Prompt sent, waiting for the customer");
    expect(text()).toContain("wait for its answer");
    expect(hasButton("Send payment prompt for KES 1,500")).toBe(false);

    // The customer answers; "Check for the customer's answer" reloads the view from the app.
    fetch.mockResolvedValueOnce(json(paidView()));
    fireEvent.click(button("Check for the customer's answer"));
    await waitForText("Receipt QK12ABC345");
    expect(fetch.mock.calls[2]![0]).toBe("/api/admin/order/1");
    expect(hasButton("Check for the customer's answer")).toBe(false);
  });

  test("sends a number the merchant typed, and shows the app's refusal", async () => {
    const fetch = answer(
      json(unpaidView({ prompt: { allowed: true, amountKes: 1500, phoneMasked: null } })),
      json(
        { error: { code: "INVALID_PHONE", message: "Not a Kenyan mobile number. Use a number like 0712 345 678." } },
        { status: 422 },
      ),
    );
    await extension.render();
    await waitForText("Send payment prompt for KES 1,500");
    const phone = field("s-text-field");
    expect(phone.getAttribute("details")).toBe("The order has no Kenyan mobile number: type one.");
    phone.value = "+44 7700 900123";
    fireEvent.input(phone);
    fireEvent.click(button("Send payment prompt for KES 1,500"));
    await waitForText("Not a Kenyan mobile number");
    expect(body(fetch.mock.calls[1]!)).toEqual({ intent: "prompt", phone: "+44 7700 900123" });
    expect(document.querySelector("s-banner")?.getAttribute("tone")).toBe("critical");
  });
});

describe("order block: a paid order", () => {
  test("shows the receipt, amount and status, and no prompt", async () => {
    answer(json(paidView()));
    await extension.render();
    await waitForText("Receipt QK12ABC345");
    expect(text()).toContain("KES 1,500");
    expect(document.querySelector("s-badge")?.textContent).toBe("Paid");
    expect(document.querySelector("s-badge")?.getAttribute("tone")).toBe("success");
    expect(text()).toContain("This order is paid.");
    expect(hasButton("Send payment prompt for KES 1,500")).toBe(false);
  });

  test("refunds the amount typed via M-PESA, with the view's nonce", async () => {
    const after = paidView({
      payments: [
        payment({
          refunds: {
            refundableKes: 1100,
            nonce: "1b7f5f7e-6a0e-4f3b-9a51-6f1c2d3e4f50",
            items: [{ id: "ref_1", amountKes: 400, stateLabel: "Approved, sending" }],
          },
        }),
      ],
    });
    const fetch = answer(json(paidView()), json({ message: "Sending KES 400 back by reversal.", view: after }));
    await extension.render();
    await waitForText("Refundable: KES 1,500");
    const amount = field("s-number-field");
    expect(amount.getAttribute("value")).toBe("1500");
    amount.value = "400";
    fireEvent.input(amount);
    fireEvent.click(button("Refund via M-PESA"));
    await waitForText("Sending KES 400 back by reversal.");
    expect(body(fetch.mock.calls[1]!)).toEqual({
      intent: "refund",
      attemptId: "att_1",
      amountKes: 400,
      nonce: "0b7f5f7e-6a0e-4f3b-9a51-6f1c2d3e4f50",
    });
    expect(text()).toContain("Refund of KES 400: Approved, sending");
    expect(text()).toContain("Refundable: KES 1,100");
  });

  test("refuses a refund above what is refundable, or not whole shillings, without asking the app", async () => {
    const fetch = answer(json(paidView()));
    await extension.render();
    await waitForText("Refundable: KES 1,500");
    const amount = field("s-number-field");
    for (const [typed, message] of [
      ["1501", "At most KES 1,500 can still be refunded."],
      ["12.5", "Enter whole shillings, at least KES 1."],
      ["0", "Enter whole shillings, at least KES 1."],
    ] as const) {
      amount.value = typed;
      fireEvent.input(amount);
      fireEvent.click(button("Refund via M-PESA"));
      await waitForText(message);
    }
    await settle();
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  test("a payment that needs review shows what happened and what to do", async () => {
    answer(
      json(
        paidView({
          payments: [
            payment({
              status: "NEEDS_REVIEW",
              statusLabel: "Needs your review",
              review: { summary: "The order was already paid: this is a second payment", action: "Refund it." },
            }),
          ],
        }),
      ),
    );
    await extension.render();
    await waitForText("Refund it.");
    const banner = [...document.querySelectorAll("s-banner")].find((b) =>
      b.getAttribute("heading")?.includes("second"),
    );
    expect(banner?.getAttribute("tone")).toBe("critical");
    expect(text()).toContain("Needs your review");
    expect(text()).toContain("Refund it.");
  });
});
