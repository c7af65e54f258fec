/// <reference types="@shopify/ui-extensions/purchase.thank-you.block.render" />
// The thank-you target, state by state. The mock `shopify` signals are static, so each state is
// reached from its own app answer (the transitions themselves are covered in state.test.ts).
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { fireEvent } from "@testing-library/preact";
import { getExtension } from "@shopify/ui-extensions-tester";
import { APP_URL } from "../src/config";
import { INVALID_PHONE_MESSAGE } from "../src/state";
import { attempt, json, payableStatus } from "./fixtures";
import { banner, button, hasButton, phoneField, settle, unmount, waitForText } from "./dom";

const extension = getExtension("purchase.thank-you.block.render");
const ORDER_ID = "gid://shopify/Order/42";

beforeEach(() => {
  extension.setUp();
  extension.shopify.orderConfirmation.value = { order: { id: ORDER_ID }, number: "ABC123", isFirstOrder: false };
  extension.shopify.selectedPaymentOptions.value = [{ type: "manualPayment", handle: "mpesa" }];
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

async function typeAndPay(phone: string) {
  const field = phoneField();
  field.value = phone;
  fireEvent.input(field);
  fireEvent.click(button("Pay KES 1,500"));
}

describe("thank-you block: whether to show at all", () => {
  test("asks the app with the session token, and renders nothing when the order is not payable by M-PESA", async () => {
    const fetch = answer(json({ payable: false, reason: "NOT_MPESA" }));
    await extension.render();
    await settle();

    expect(fetch).toHaveBeenCalledTimes(1);
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe(`${APP_URL}/api/pay/status?orderId=${encodeURIComponent(ORDER_ID)}&confirmationNumber=ABC123`);
    expect(new Headers(init.headers).get("Authorization")).toBe("Bearer mock-session-token");
    expect(document.body.innerHTML).toBe("");
  });

  test("renders nothing for an order already paid without an attempt of ours", async () => {
    answer(json({ payable: false, reason: "ALREADY_PAID" }));
    await extension.render();
    await settle();
    expect(document.body.innerHTML).toBe("");
  });

  test("does not call the app when the shopper paid with a non-manual method", async () => {
    extension.shopify.selectedPaymentOptions.value = [{ type: "creditCard", handle: "card" }];
    const fetch = answer(json(payableStatus()));
    await extension.render();
    await settle();
    expect(fetch).not.toHaveBeenCalled();
    expect(document.body.innerHTML).toBe("");
  });

  test("does not call the app for an order without a confirmation number (nothing could bind the request to it)", async () => {
    extension.shopify.orderConfirmation.value = { order: { id: ORDER_ID }, isFirstOrder: false };
    const fetch = answer(json(payableStatus()));
    await extension.render();
    await settle();
    expect(fetch).not.toHaveBeenCalled();
    expect(document.body.innerHTML).toBe("");
  });
});

describe("thank-you block: the form", () => {
  test("shows the amount from the app and prefills the buyer's phone", async () => {
    Object.defineProperty(extension.shopify, "buyerIdentity", {
      value: { phone: { value: "+254 712 345 678" } },
      configurable: true,
    });
    answer(json(payableStatus()));
    await extension.render();
    await waitForText("Amount due: KES 1,500");
    expect(phoneField().getAttribute("value")).toBe("0712 345 678");
  });

  test("prefills from the shipping address when the buyer's phone is not Kenyan", async () => {
    Object.defineProperty(extension.shopify, "buyerIdentity", {
      value: { phone: { value: "+1 415 555 0100" } },
      configurable: true,
    });
    Object.defineProperty(extension.shopify, "shippingAddress", {
      value: { value: { phone: "0110 123 456" } },
      configurable: true,
    });
    answer(json(payableStatus()));
    await extension.render();
    await waitForText("Pay KES 1,500");
    expect(phoneField().getAttribute("value")).toBe("0110 123 456");
  });

  test("rejects a number that is not Kenyan without calling the app", async () => {
    const fetch = answer(json(payableStatus()));
    await extension.render();
    await waitForText("Pay KES 1,500");
    await typeAndPay("+44 7700 900123");
    await settle();

    expect(phoneField().getAttribute("error")).toBe(INVALID_PHONE_MESSAGE);
    expect(fetch).toHaveBeenCalledTimes(1); // the status request only
  });
});

describe("thank-you block: paying", () => {
  test("pay sends the normalised phone, then asks the shopper to enter the PIN for the app's amount", async () => {
    const fetch = answer(json(payableStatus()), json({ attempt: attempt({ status: "PENDING", amountKes: 1500 }) }));
    await extension.render();
    await waitForText("Pay KES 1,500");
    await typeAndPay("0712-345-678");
    await waitForText("Check your phone (2547****678) and enter your M-PESA PIN to pay KES 1,500.");

    const [url, init] = fetch.mock.calls[1]!;
    expect(url).toBe(`${APP_URL}/api/pay`);
    expect(init.method).toBe("POST");
    expect(JSON.parse(init.body)).toEqual({ orderId: ORDER_ID, confirmationNumber: "ABC123", phone: "254712345678" });
    expect(new Headers(init.headers).get("Authorization")).toBe("Bearer mock-session-token");
  });

  test("429 on pay says when to try again", async () => {
    answer(
      json(payableStatus()),
      json(
        { error: { code: "RATE_LIMITED", message: "slow down" } },
        { status: 429, headers: { "Retry-After": "42" } },
      ),
    );
    await extension.render();
    await waitForText("Pay KES 1,500");
    await typeAndPay("0712345678");
    await waitForText("Too many attempts, try again in 42 seconds.");
    expect(phoneField()).toBeTruthy(); // the form stays usable
  });

  test("a refusal from the app is shown in its own words", async () => {
    answer(
      json(payableStatus()),
      json({ error: { code: "ORDER_NOT_PAYABLE", message: "This order has already been paid." } }, { status: 409 }),
    );
    await extension.render();
    await waitForText("Pay KES 1,500");
    await typeAndPay("0712345678");
    await waitForText("This order has already been paid.");
  });
});

describe("thank-you block: outcomes", () => {
  test("paid, with the M-PESA receipt", async () => {
    answer(
      json({
        payable: false,
        reason: "ALREADY_PAID",
        attempt: attempt({ status: "SUCCEEDED", receipt: "QJK3ABC123" }),
      }),
    );
    await extension.render();
    await waitForText("M-PESA receipt: QJK3ABC123");
    expect(banner()).toMatchObject({ tone: "success", heading: "Payment received" });
    expect(hasButton("Retry")).toBe(false);
  });

  test("cancelled on the phone, with Retry back to the form", async () => {
    answer(json(payableStatus({ attempt: attempt({ status: "CANCELLED", resultCode: "1032", canRetry: true }) })));
    await extension.render();
    await waitForText("cancelled on your phone");
    expect(banner()).toMatchObject({ tone: "warning", heading: "Payment cancelled" });
    fireEvent.click(button("Retry"));
    await waitForText("Pay KES 1,500");
  });

  test("timed out, in the app's words, with Retry", async () => {
    const message = "The M-PESA prompt expired before it was completed. Try again.";
    answer(
      json(payableStatus({ attempt: attempt({ status: "TIMED_OUT", resultCode: "1019", message, canRetry: true }) })),
    );
    await extension.render();
    await waitForText(message);
    expect(banner().heading).toBe("No answer from your phone");
    expect(hasButton("Retry")).toBe(true);
  });

  test("failed for insufficient funds: the app's reason, and no Retry when the app says so", async () => {
    const message = "Your M-PESA balance is not enough for this payment.";
    answer(json(payableStatus({ attempt: attempt({ status: "FAILED", resultCode: "1", message, canRetry: false }) })));
    await extension.render();
    await waitForText(message);
    expect(banner()).toMatchObject({ tone: "critical", heading: "Payment didn't go through" });
    expect(hasButton("Retry")).toBe(false);
  });

  test("failed with a wrong PIN: Retry offered when the app allows it", async () => {
    const message = "The M-PESA PIN was wrong.";
    answer(
      json(payableStatus({ attempt: attempt({ status: "FAILED", resultCode: "2001", message, canRetry: true }) })),
    );
    await extension.render();
    await waitForText(message);
    expect(hasButton("Retry")).toBe(true);
  });

  test("needs review: the shop will contact the shopper", async () => {
    answer(json(payableStatus({ attempt: attempt({ status: "NEEDS_REVIEW" }) })));
    await extension.render();
    await waitForText("We're confirming your payment with M-PESA. The shop will contact you.");
    expect(banner().heading).toBe("We're confirming your payment");
    expect(hasButton("Retry")).toBe(false);
  });
});

describe("thank-you block: the app's availability", () => {
  test("an order the Admin API does not show yet: a quiet loading state, then the form", async () => {
    const fetch = answer(json({ payable: false, reason: "ORDER_NOT_FOUND_YET" }), json(payableStatus()));
    await extension.render();
    await waitForText("Getting your M-PESA payment ready…");
    expect(document.body.querySelector("s-banner")).toBeNull();
    expect(document.body.querySelector("s-spinner")).not.toBeNull();

    await waitForText("Pay KES 1,500", 3000); // polled again after the first backoff step
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  test("an app that cannot be reached: a clear message, and Try again asks again", async () => {
    answer(new TypeError("Failed to fetch"), json(payableStatus()));
    await extension.render();
    await waitForText("We couldn't reach the payment service. Check your connection and try again.");
    fireEvent.click(button("Try again"));
    await waitForText("Pay KES 1,500");
  });

  test("a 5xx from the app is shown the same way", async () => {
    answer(json({ error: { code: "INTERNAL" } }, { status: 503 }));
    await extension.render();
    await waitForText("We couldn't reach the payment service.");
    expect(banner().tone).toBe("critical");
  });
});

describe("thank-you block: the paybill fallback (issue 11)", () => {
  test("shows the paybill, the account reference the app expects and the amount beside the prompt", async () => {
    answer(
      json(
        payableStatus({
          paybill: { kind: "paybill", number: "174379", accountReference: "INV1001", amountKes: 1500 },
        }),
      ),
    );
    await extension.render();
    await waitForText("Pay KES 1,500");
    await waitForText("Or pay from the M-PESA menu");
    await waitForText("Paybill 174379, account INV1001, amount KES 1,500");
  });

  test("instructions the app did not send (or could not be read) are not shown", async () => {
    // Not a shape the contract allows: what an older or broken app answer could hold.
    answer(json(payableStatus({ paybill: { kind: "bank", number: "1" } as never })));
    await extension.render();
    await waitForText("Pay KES 1,500");
    expect(document.body.textContent).not.toContain("M-PESA menu");
  });
});
