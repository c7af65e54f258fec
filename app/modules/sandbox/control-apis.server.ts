// HTTP clients for the control APIs of the Daraja emulator (/__emulator/) and the Shopify Admin
// stand-in (/__standin/). The sandbox page reads them server-side (no CORS between the three
// servers) to show what happened underneath a payment.

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return (await res.json()) as T;
}

export type EmulatorRequest = {
  id: number;
  at: string;
  method: string;
  path: string;
  body: unknown;
  status?: number;
  response?: unknown;
};

/** What the emulator's `POST /__emulator/c2b/pay` answers (emulator/api/c2b.ts CustomerPaymentResult). */
export type EmulatorC2bResult = {
  transId: string;
  status: "completed" | "rejected";
  validation?: { status: number | null; resultCode?: string; appliedResponseType?: boolean };
  confirmationStatus?: number | null;
};
export type EmulatorC2bPayment = {
  shortCode: string;
  amount: number;
  msisdn: string;
  billRef?: string;
  kind: "paybill" | "till";
  typo?: string;
  /** "none": the money moves but the app is never told (a lost confirmation). */
  confirmation?: "normal" | "none";
};

export function emulatorControl(baseUrl: string) {
  const base = `${baseUrl.replace(/\/$/, "")}/__emulator`;
  return {
    requests: () => getJson<EmulatorRequest[]>(`${base}/requests`),
    /** A customer pays from the M-PESA menu: the emulator sends the app its C2B confirmation. */
    c2bPay: async (payment: EmulatorC2bPayment): Promise<EmulatorC2bResult> => {
      const res = await fetch(`${base}/c2b/pay`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(payment),
        signal: AbortSignal.timeout(15_000),
      });
      const body = (await res.json().catch(() => null)) as EmulatorC2bResult | { error?: unknown } | null;
      if (!res.ok || !body || !("transId" in body))
        throw new Error(`the emulator refused the payment (${res.status}): ${JSON.stringify(body)}`);
      return body;
    },
  };
}

export type StandinOrder = {
  id: string;
  name: string;
  displayFinancialStatus: string;
  canMarkAsPaid: boolean;
  total: string;
  outstanding: string;
  received: string;
  currencyCode: string;
  cancelledAt: string | null;
  transactions: { id: string; kind: string; status: string; gateway: string; amount: string; processedAt: string }[];
  metafields: { namespace: string; key: string; value: string }[];
  tags: string[];
};
export type StandinMutation = { operationName?: string; variables?: unknown; at?: string; [k: string]: unknown };

export function standinControl(baseUrl: string) {
  const base = `${baseUrl.replace(/\/$/, "")}/__standin`;
  return {
    order: (gid: string) =>
      getJson<{ order: StandinOrder }>(`${base}/orders/${encodeURIComponent(gid)}`)
        .then((r) => r.order)
        .catch(() => null),
    mutations: () => getJson<{ mutations: StandinMutation[] }>(`${base}/mutations`).then((r) => r.mutations),
    /** The merchant refunds the order in the admin: the stand-in then sends the app refunds/create. */
    refund: async (gid: string, amount: string | undefined): Promise<StandinRefundAnswer> => {
      const res = await fetch(`${base}/orders/${encodeURIComponent(gid)}/refund`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(amount === undefined ? {} : { amount }),
        signal: AbortSignal.timeout(15_000),
      });
      const body = (await res.json().catch(() => ({}))) as StandinRefundAnswer & { error?: string };
      if (!res.ok) throw new StandinRefusal(body.error ?? `the stand-in answered ${res.status}`);
      return body;
    },
  };
}

export type StandinRefundAnswer = {
  refund: { id: string; amount: string };
  delivery: { topic: string; status: number | null; error: string | null } | null;
  order: StandinOrder;
};

/** The stand-in refused what the admin would refuse (more than is left, nothing paid). */
export class StandinRefusal extends Error {}
