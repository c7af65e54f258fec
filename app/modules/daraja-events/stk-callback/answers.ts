// What the STK callback route can answer, and how each maps to HTTP. The answer depends only on the
// request body: an unknown token, another attempt's token or a disallowed source address get exactly
// the answer a valid callback gets (L7: it reveals nothing), and are recorded as such on our side.

export type StkCallbackAnswer = { kind: "accepted" } | { kind: "too_large" } | { kind: "malformed"; problem: string };

export function stkAnswerHttp(answer: StkCallbackAnswer): {
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
