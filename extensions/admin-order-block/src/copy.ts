// Every string the merchant reads in the block (the app sends the statuses and reasons in words).
import { formatKes } from "@mpesa-checkout/pay-contract";

export const copy = {
  heading: "M-PESA",
  loading: "Loading M-PESA payments…",
  unreachable: "The M-PESA app could not be reached. Try again in a moment.",
  reload: "Reload",
  refresh: "Check for the customer's answer",
  noOrder: "Shopify does not show this order to the M-PESA app yet.",
  notMpesa: "This order was not placed with your M-PESA payment method.",
  noPayments: "No M-PESA payment on this order yet.",
  receipt: (receipt: string) => `Receipt ${receipt}`,
  amount: (kes: number) => formatKes(kes),
  outstanding: (kes: number) => `Left to pay: ${formatKes(kes)}`,
  channel: (channel: "STK" | "C2B") => (channel === "STK" ? "Payment prompt" : "Paybill / till"),
  phoneLabel: "Customer's M-PESA number",
  phoneDetails: (masked: string | null) =>
    masked ? `Leave empty to use the order's number (${masked}).` : "The order has no Kenyan mobile number: type one.",
  sendPrompt: (kes: number) => `Send payment prompt for ${formatKes(kes)}`,
  refundLabel: "Amount to refund (KES)",
  refundButton: "Refund via M-PESA",
  refundable: (kes: number) => `Refundable: ${formatKes(kes)}`,
  refundLine: (kes: number, state: string) => `Refund of ${formatKes(kes)}: ${state}`,
  wholeShillings: "Enter whole shillings, at least KES 1.",
  atMost: (kes: number) => `At most ${formatKes(kes)} can still be refunded.`,
};
