/// <reference types="@shopify/ui-extensions/customer-account.order-status.block.render" />
// The order-status target: same block, customer-account session, bound by the order's confirmation number.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { fireEvent } from "@testing-library/preact";
import { getExtension } from "@shopify/ui-extensions-tester";
import { APP_URL } from "../src/config";
import { attempt, json, payableStatus } from "./fixtures";
import { banner, button, phoneField, settle, text, unmount, waitForText } from "./dom";

const extension = getExtension("customer-account.order-status.block.render");
const ORDER_ID = "gid://shopify/Order/77";

beforeEach(() => {
  extension.setUp();
  extension.shopify.order.value = { id: ORDER_ID, name: "#1077", confirmationNumber: "QX7RT2MZ9" };
});
afterEach(() => {
  unmount();
  extension.tearDown();
});

describe("order-status block", () => {
  test("asks the app with the order's confirmation number and offers the form, prefilled from the billing address", async () => {
    Object.defineProperty(extension.shopify, "billingAddress", {
      value: { value: { phone: "0722 000 111" } },
      configurable: true,
    });
    const fetch = vi
      .fn()
      .mockResolvedValueOnce(json(payableStatus()))
      .mockResolvedValueOnce(json({ attempt: attempt() }));
    extension.fetch = fetch;
    await extension.render();
    await waitForText("Pay KES 1,500");
    expect(phoneField().getAttribute("value")).toBe("0722 000 111");

    fireEvent.click(button("Pay KES 1,500"));
    await waitForText("enter your M-PESA PIN to pay KES 1,500");

    const [statusUrl, statusInit] = fetch.mock.calls[0]!;
    const url = new URL(statusUrl);
    expect(`${url.origin}${url.pathname}`).toBe(`${APP_URL}/api/pay/status`);
    expect(url.searchParams.get("orderId")).toBe(ORDER_ID);
    expect(url.searchParams.get("confirmationNumber")).toBe("QX7RT2MZ9");
    expect(url.searchParams.has("surface")).toBe(false); // the app reads who asks from the token alone
    expect(new Headers(statusInit.headers).get("Authorization")).toBe("Bearer mock-session-token");
    expect(fetch.mock.calls[1]![0]).toBe(`${APP_URL}/api/pay`);
    expect(JSON.parse(fetch.mock.calls[1]![1].body)).toEqual({
      orderId: ORDER_ID,
      confirmationNumber: "QX7RT2MZ9",
      phone: "254722000111",
    });
  });

  test("resumes a payment still pending on the shopper's phone", async () => {
    extension.fetch = vi
      .fn()
      .mockResolvedValueOnce(json(payableStatus({ attempt: attempt({ status: "PENDING", amountKes: 2350 }) })));
    await extension.render();
    await waitForText("enter your M-PESA PIN to pay KES 2,350");
    expect(banner()).toMatchObject({ tone: "info", heading: "Check your phone" });
  });

  test("an order without a confirmation number (before 2024) renders nothing and never calls the app", async () => {
    extension.shopify.order.value = { id: ORDER_ID, name: "#1077" };
    const fetch = vi.fn();
    extension.fetch = fetch;
    await extension.render();
    await settle();
    expect(fetch).not.toHaveBeenCalled();
    expect(document.body.innerHTML).toBe("");
  });

  test("a cancelled order renders nothing and never calls the app", async () => {
    extension.shopify.order.value = {
      id: ORDER_ID,
      name: "#1077",
      confirmationNumber: "QX7RT2MZ9",
      cancelledAt: "2026-09-30T10:00:00Z",
    };
    const fetch = vi.fn();
    extension.fetch = fetch;
    await extension.render();
    await settle();
    expect(fetch).not.toHaveBeenCalled();
    expect(document.body.innerHTML).toBe("");
  });

  test("an order the app says is cancelled renders nothing", async () => {
    extension.fetch = vi.fn().mockResolvedValueOnce(json({ payable: false, reason: "CANCELLED" }));
    await extension.render();
    await settle();
    expect(document.body.innerHTML).toBe("");
  });
});

describe("order-status block: paying by paybill (issue 11)", () => {
  test("a partially paid order shows what was received, the remainder with a Pay button, and the paybill details", async () => {
    extension.fetch = vi.fn().mockResolvedValueOnce(
      json(
        payableStatus({
          order: { name: "#1077", amountKes: 900, currency: "KES" },
          paybill: { kind: "paybill", number: "123456", accountReference: "INV1077", amountKes: 900, paidKes: 600 },
        }),
      ),
    );
    await extension.render();
    await waitForText("Pay KES 900");
    await waitForText("KES 600 received. Remaining: KES 900.");
    await waitForText("Paybill 123456, account INV1077, amount KES 900");
  });

  test("a till shows the till number and no account", async () => {
    extension.fetch = vi
      .fn()
      .mockResolvedValueOnce(json(payableStatus({ paybill: { kind: "till", number: "654321", amountKes: 1500 } })));
    await extension.render();
    await waitForText("Till 654321 (Buy Goods), amount KES 1,500");
    expect(document.body.textContent).not.toContain("account");
  });
});

describe("order-status block: verify a payment by M-PESA code (issue 11)", () => {
  test("offered only when the app says so; sends the code (never an amount) and shows the app's words", async () => {
    const fetch = vi
      .fn()
      .mockResolvedValueOnce(json(payableStatus({ verifyByCode: true })))
      .mockResolvedValueOnce(
        json({
          enabled: true,
          verification: {
            id: "rv1",
            receipt: "TCE4XK91QZ",
            state: "rejected",
            message: "Safaricom has no M-PESA transaction with the code TCE4XK91QZ.",
          },
        }),
      );
    extension.fetch = fetch;
    await extension.render();
    await waitForText("Check my payment");
    expect(document.body.querySelector('s-section[heading="Paid from the M-PESA menu already?"]')).not.toBeNull();
    const field = document.body.querySelector("s-text-field") as HTMLElement & { value?: string };
    field.value = "tce4xk91qz";
    fireEvent.input(field);
    fireEvent.click(button("Check my payment"));
    await waitForText("Safaricom has no M-PESA transaction with the code TCE4XK91QZ.");
    const [url, init] = fetch.mock.calls[1]!;
    expect(url).toBe(`${APP_URL}/api/pay/verify`);
    expect(init.method).toBe("POST");
    expect(JSON.parse(init.body)).toEqual({ orderId: ORDER_ID, confirmationNumber: "QX7RT2MZ9", code: "tce4xk91qz" });
  });

  test("not offered when the shop has not switched it on", async () => {
    const fetch = vi.fn().mockResolvedValueOnce(json(payableStatus()));
    extension.fetch = fetch;
    await extension.render();
    await waitForText("Pay KES 1,500");
    expect(text()).not.toContain("Check my payment");
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});
