// What the C2B validation route answers (docs/C2B.md): Daraja's accept / reject bodies, always HTTP
// 200 for a request we could read (M-PESA reads the ResultCode, and only that decides the payment).

export type C2bValidationAnswer =
  | { kind: "accept" }
  | { kind: "reject"; resultCode: "C2B00012" | "C2B00013" | "C2B00015" | "C2B00016" }
  | { kind: "too_large" }
  | { kind: "malformed"; problem: string };

export function c2bValidationHttp(answer: C2bValidationAnswer): {
  status: 200 | 400 | 413;
  body: { ResultCode: string; ResultDesc: string };
} {
  switch (answer.kind) {
    case "accept":
      return { status: 200, body: { ResultCode: "0", ResultDesc: "Accepted" } };
    case "reject":
      return { status: 200, body: { ResultCode: answer.resultCode, ResultDesc: "Rejected" } };
    case "too_large":
      return { status: 413, body: { ResultCode: "C2B00016", ResultDesc: "Rejected" } };
    case "malformed":
      return { status: 400, body: { ResultCode: "C2B00016", ResultDesc: "Rejected" } };
  }
}
