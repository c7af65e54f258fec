// The demo shop the local sandbox seeds, and the shopper's choices on the sandbox page.
// Pure data: shared by the orchestrator (scripts/sandbox.ts), the sandbox routes and the tests.

export const DEMO_SHOP = "mpesa-sandbox-demo.myshopify.com";
/** The offline access token the stand-in accepts for the demo shop (local only, not a secret). */
export const DEMO_ACCESS_TOKEN = "shpat_sandbox_demo_offline_token";
export const DEMO_SCOPES = "read_orders,write_orders";

/** Daraja's public sandbox paybill and passkey, which the emulator accepts by default. */
export const SANDBOX_SHORTCODE = "174379";
export const SANDBOX_PASSKEY = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919";
/** The emulator's default OAuth credentials (emulator/README.md). */
export const EMULATOR_CONSUMER_KEY = "emulator-consumer-key";
export const EMULATOR_CONSUMER_SECRET = "emulator-consumer-secret";

export const DEMO_SETTINGS_FORM = {
  environment: "sandbox",
  shortcodeType: "paybill",
  businessShortCode: SANDBOX_SHORTCODE,
  consumerKey: EMULATOR_CONSUMER_KEY,
  consumerSecret: EMULATOR_CONSUMER_SECRET,
  passkey: SANDBOX_PASSKEY,
  paymentMethodName: "M-PESA",
  accountReferenceTemplate: "{order_number}",
  // The emulator's initiator (any name and password pass it): Transaction Status for "verify by code".
  initiatorName: "sandbox_apiop",
  initiatorPassword: "Safaricom999!*!",
} as const;

export type DemoOrder = { key: string; totalKes: number; customer: string; email: string; phone: string; item: string };

/** Unpaid M-PESA orders in KES, with varied totals (the key keeps re-seeding from duplicating them). */
export const DEMO_ORDERS: DemoOrder[] = [
  {
    key: "demo-1",
    totalKes: 1,
    customer: "Wanjiku Kamau",
    email: "wanjiku@example.com",
    phone: "254712345678",
    item: "Sample sachet",
  },
  {
    key: "demo-2",
    totalKes: 250,
    customer: "Otieno Odhiambo",
    email: "otieno@example.com",
    phone: "254722000111",
    item: "Kikoi scarf",
  },
  {
    key: "demo-3",
    totalKes: 1499,
    customer: "Achieng Njeri",
    email: "achieng@example.com",
    phone: "254733222333",
    item: "Kiondo basket",
  },
  {
    key: "demo-4",
    totalKes: 12750,
    customer: "Mutua Kilonzo",
    email: "mutua@example.com",
    phone: "254711444555",
    item: "Maasai shuka set",
  },
];

/**
 * How the shopper's phone answers the STK prompt. The emulator decides from the last four digits of
 * the phone number (docs/ARCHITECTURE.md), so the page sends the typed number with those digits
 * replaced. (Its "next outcome" control would leave a queued outcome behind whenever /api/pay
 * refuses before pushing, and the next payment would get it; the suffix carries no such state.)
 */
export const PHONE_ANSWERS = {
  pay: { label: "Enter PIN and pay", outcome: "success", suffix: null },
  cancel: { label: "Cancel the prompt", outcome: "cancelled", suffix: "0032" },
  ignore: { label: "Ignore it (times out)", outcome: "timeout", suffix: "0037" },
  wrong_pin: { label: "Wrong PIN", outcome: "wrong_pin", suffix: "2001" },
  insufficient: { label: "Insufficient funds", outcome: "insufficient_funds", suffix: "0001" },
  // Paid, but Daraja never calls back: the status query finds it paid (the receipt pending) and the
  // next Pull Transactions ("Pull now" in Settings) attaches the receipt.
  lost_callback: { label: "Pay, but the callback never arrives", outcome: "no_callback", suffix: "0004" },
  // 1037 first, then the same prompt is paid after all (the emulator's 0038): a shopper who retried
  // in between has paid twice, and the payment page offers the second payment's refund.
  timeout_then_paid: {
    label: "Ignore it, then pay after it timed out",
    outcome: "timeout_then_paid",
    suffix: "0038",
  },
} as const;
export type PhoneAnswer = keyof typeof PHONE_ANSWERS;

/** The number the page sends for this answer: the typed one, its last four digits set by `answer`. */
export function phoneForAnswer(phone: string, answer: PhoneAnswer): string {
  const suffix = PHONE_ANSWERS[answer].suffix;
  const trimmed = phone.trim();
  if (!suffix) return trimmed;
  const digits = trimmed.replace(/\D/g, "");
  return digits.length > 4 ? digits.slice(0, -4) + suffix : trimmed;
}

/**
 * The slips a customer makes typing the account number in the M-PESA menu: the emulator's typo
 * kinds (emulator/api/c2b.ts TYPOS, which applies them; test/sandbox.test.ts keeps the lists equal).
 */
export const PAYBILL_TYPOS = {
  none: "As shown",
  spaces: "With spaces ( INV 100 1 )",
  hash: "With a # in front",
  lower: "In lower case",
  leading_zeros: "With leading zeros (INV001001)",
  dash: "With a dash (INV-1001)",
  order_name: "The order name instead (#1001)",
} as const;
export type PaybillTypo = keyof typeof PAYBILL_TYPOS;

/** How much the shopper sends from the M-PESA menu, against what is left to pay. */
export const PAYBILL_AMOUNTS = {
  full: "The amount due",
  part: "Part of it (half)",
  more: "More than due (+ KES 100)",
} as const;
export type PaybillAmount = keyof typeof PAYBILL_AMOUNTS;

/** The shillings sent for a choice; null when the choice cannot be made (half of KES 1). */
export function paybillAmountFor(choice: PaybillAmount, dueKes: number): number | null {
  if (choice === "full") return dueKes;
  if (choice === "more") return dueKes + 100;
  const half = Math.floor(dueKes / 2);
  return half >= 1 ? half : null;
}
