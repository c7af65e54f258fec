// What the C2B confirmation route can answer, and how each maps to HTTP (docs/C2B.md). Daraja
// expects 200 {"ResultCode":0,"ResultDesc":"Success"}; the money has moved whatever we answer, so the
// answer only tells the sender what we did. An unknown token gets exactly the answer a valid
// confirmation gets (it reveals nothing); a known token whose body names another shortcode is told so.

export type C2bConfirmationAnswer =
  { kind: "accepted" } | { kind: "too_large" } | { kind: "malformed"; problem: string } | { kind: "wrong_shortcode" };

export function c2bConfirmationHttp(answer: C2bConfirmationAnswer): {
  status: 200 | 400 | 413;
  body: { ResultCode: number; ResultDesc: string };
} {
  switch (answer.kind) {
    case "accepted":
      return { status: 200, body: { ResultCode: 0, ResultDesc: "Success" } };
    case "wrong_shortcode":
      return { status: 400, body: { ResultCode: 1, ResultDesc: "BusinessShortCode is not this URL's shortcode" } };
    case "too_large":
      return { status: 413, body: { ResultCode: 1, ResultDesc: "Payload too large" } };
    case "malformed":
      return { status: 400, body: { ResultCode: 1, ResultDesc: answer.problem } };
  }
}
