// What the initiator result routes (ResultURL / QueueTimeOutURL of refunds) can answer, and how each
// maps to HTTP. As for STK callbacks, the answer depends only on the request body: an unknown token,
// another refund's token or a disallowed source get exactly the answer a valid result gets.

export type InitiatorEventAnswer =
  { kind: "accepted" } | { kind: "too_large" } | { kind: "malformed"; problem: string };

export function initiatorAnswerHttp(answer: InitiatorEventAnswer): {
  status: 200 | 400 | 413;
  body: { ResultCode: number; ResultDesc: string };
} {
  switch (answer.kind) {
    case "accepted":
      return { status: 200, body: { ResultCode: 0, ResultDesc: "Accepted" } };
    case "too_large":
      return { status: 413, body: { ResultCode: 1, ResultDesc: "Payload too large" } };
    case "malformed":
      return { status: 400, body: { ResultCode: 1, ResultDesc: answer.problem } };
  }
}
