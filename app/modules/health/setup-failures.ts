import { setupProblemOfAnswer, type SetupProblem } from "../daraja/classify";

// Which stored payment attempts failed because of the shop's Daraja set-up, and what to tell the
// merchant about it. Pure: the attempt columns in, a verdict out.

export type AttemptHealthFacts = {
  status: string;
  resultCode: string | null;
  resultDesc: string | null;
  failureStage: string | null;
  checkoutRequestId: string | null;
};

export type AttemptVerdict = { kind: "setup"; problem: SetupProblem } | { kind: "accepted" } | { kind: "neutral" };

// start-payment.server.ts writes a refused push's resultDesc as "<what>: <errorCode> <errorMessage>".
const REFUSED = /^(Daraja refused the consumer key\/secret|Daraja refused the STK Push|Daraja unavailable): ?(.*)$/s;

/** The error code and message of a push refused before any prompt reached a phone. */
export function refusalOf(resultDesc: string): { oauth: boolean; errorCode: string | null; errorMessage: string } {
  const m = REFUSED.exec(resultDesc);
  const rest = (m ? m[2] : resultDesc).trim();
  const first = rest.split(/\s+/, 1)[0] ?? "";
  // Daraja's codes: "500.001.1001", "400.002.02", "999991", "SFC_IC0003".
  const isCode = /^(\d{3}\.\d{3}(\.\d+)?|\d{3,6}|[A-Z]{2,}_[A-Z0-9]+)$/.test(first);
  return {
    oauth: !!m && m[1].startsWith("Daraja refused the consumer key"),
    errorCode: isCode ? first : null,
    errorMessage: isCode ? rest.slice(first.length).trim() : rest,
  };
}

export function verdictOf(a: AttemptHealthFacts): AttemptVerdict {
  // A failure callback after an accepted push (the till/store mix-up shows up only here).
  if (a.status === "FAILED" && a.resultCode) {
    const problem = setupProblemOfAnswer(a.resultCode, a.resultDesc ?? "");
    if (problem) return { kind: "setup", problem };
  }
  if (a.status === "FAILED" && a.failureStage === "stk_push_request" && a.resultDesc) {
    const r = refusalOf(a.resultDesc);
    if (r.oauth) return { kind: "setup", problem: "oauth" };
    const problem = setupProblemOfAnswer(r.errorCode, r.errorMessage);
    return problem ? { kind: "setup", problem } : { kind: "neutral" };
  }
  // Daraja took the push: credentials, shortcode and callback address were good enough for it.
  if (a.checkoutRequestId) return { kind: "accepted" };
  return { kind: "neutral" };
}

/** What the merchant reads, and which setting to fix. */
export const SETUP_PROBLEM_TEXT: Record<SetupProblem, { title: string; fix: string }> = {
  oauth: {
    title: "Daraja rejects your consumer key or secret",
    fix: "Copy the consumer key and secret again from your app on the Daraja portal (the sandbox and production apps have different keys), save them in Settings and press Test connection.",
  },
  wrong_credentials: {
    title: "Daraja rejects your passkey — fix it in Settings",
    fix: "Daraja answered “Wrong credentials”: the passkey does not belong to the shortcode it was sent with. Paste the Lipa na M-PESA Online passkey Safaricom sent for this shortcode (for a till: the store number's passkey), save, and press Test connection.",
  },
  merchant_missing: {
    title: "Daraja does not know your shortcode",
    fix: "Daraja answered “Merchant does not exist”: the shortcode is not set up for M-PESA Express (STK Push) in this environment. Check the shortcode in Settings, or ask Safaricom to enable M-PESA Express for it.",
  },
  invalid_shortcode: {
    title: "Daraja rejects your shortcode",
    fix: "Daraja answered “Invalid BusinessShortCode”. In Settings, enter the paybill number, or for a till the store (head office) number the Daraja app went live with.",
  },
  invalid_party_b: {
    title: "Daraja rejects the number that receives the money",
    fix: "Daraja answered “Invalid PartyB”: the till number (or paybill) is not valid. Check the till number in Settings.",
  },
  invalid_callback_url: {
    title: "Daraja rejects this app's callback address",
    fix: "Daraja refused the CallBackURL. The app's public address (CALLBACK_BASE_URL or SHOPIFY_APP_URL) must be HTTPS, reachable from the internet, and must not contain words Daraja refuses (M-PESA, Safaricom, exe, cmd, sql, query).",
  },
  no_api_product: {
    title: "Your Daraja app cannot use M-PESA Express",
    fix: "Daraja answered “No ApiProduct match found”: the Daraja app whose keys are in Settings has no M-PESA Express product. Add the product to the app on the Daraja portal, or use the keys of an app that has it.",
  },
  operator_missing: {
    title: "M-PESA says the till or store number is wrong",
    fix: "Payments end with “The operator does not exist” (SFC_IC0003): the numbers do not fit together. For a till, the store number (head office, the passkey's number) goes in “Store number” and the till customers pay in “Till number”; a paybill needs the paybill type. Fix it in Settings.",
  },
  not_permitted: {
    title: "M-PESA does not allow this kind of payment for your shortcode",
    fix: "Payments end with code 2028 (not permitted by the product assignment): usually a till set up as a paybill or the other way round, or a till that is not under this store number. Check the account type and numbers in Settings.",
  },
};
