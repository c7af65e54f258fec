import { orderNumericId } from "../shopify/order-id";

// The app's Shopify Flow triggers (extensions/flow-*/shopify.extension.toml) and the payloads it
// sends them. Pure. A payload's keys must be exactly the trigger's field keys (Shopify refuses a
// missing or unknown key and a value of the wrong type); a reference field is sent as `<object>_id`
// with the numeric (legacy) id. test/flow-triggers.test.ts checks these against the TOML files.

export const FLOW_TRIGGER_FIELD_TYPES = ["order_reference", "single_line_text_field", "number_decimal"] as const;
export type FlowFieldType = (typeof FLOW_TRIGGER_FIELD_TYPES)[number];

export const FLOW_TRIGGERS = {
  "mpesa-payment-received": {
    name: "M-PESA payment received",
    fields: {
      order_id: "order_reference",
      "Receipt number": "single_line_text_field",
      Amount: "number_decimal",
      Channel: "single_line_text_field",
      Phone: "single_line_text_field",
    },
  },
  "mpesa-payment-needs-review": {
    name: "M-PESA payment needs review",
    fields: {
      order_id: "order_reference",
      "Receipt number": "single_line_text_field",
      Amount: "number_decimal",
      "Review reason": "single_line_text_field",
      "Review code": "single_line_text_field",
    },
  },
} as const satisfies Record<string, { name: string; fields: Record<string, FlowFieldType> }>;

export type FlowTriggerHandle = keyof typeof FLOW_TRIGGERS;
export const FLOW_TRIGGER_HANDLES = Object.keys(FLOW_TRIGGERS) as FlowTriggerHandle[];

type Fields<H extends FlowTriggerHandle> = (typeof FLOW_TRIGGERS)[H]["fields"];
/** Text fields take strings; the order reference (numeric id) and decimals take numbers. */
export type FlowPayload<H extends FlowTriggerHandle> = {
  -readonly [K in keyof Fields<H>]: Fields<H>[K] extends "single_line_text_field" ? string : number;
};

/** One line of text, as a single_line_text_field takes it (Shopify's limit is 255 characters). */
const line = (value: string | null | undefined) => (value ?? "").replace(/\s+/g, " ").trim().slice(0, 255);

/** The order's numeric id; null for an id that is not an order GID (nothing can be referenced). */
function orderId(orderGid: string | null): number | null {
  const numeric = orderGid ? orderNumericId(orderGid) : null;
  return numeric ? Number(numeric) : null;
}

export interface ReceivedFacts {
  orderGid: string | null;
  receipt: string;
  amountKes: number;
  channel: "STK" | "C2B";
  /** Masked (2547****5678): a Flow workflow may email it anywhere. */
  phoneMasked: string | null;
  /** What makes the trigger one per payment when the receipt is not known yet ("pending"): the attempt. */
  dedupeRef?: string;
}

export function paymentReceivedPayload(f: ReceivedFacts): FlowPayload<"mpesa-payment-received"> | null {
  const id = orderId(f.orderGid);
  if (id === null) return null;
  return {
    order_id: id,
    "Receipt number": line(f.receipt),
    Amount: f.amountKes,
    Channel: f.channel === "STK" ? "Payment prompt" : "Paybill or till",
    Phone: line(f.phoneMasked),
  };
}

export interface ReviewFacts {
  orderGid: string;
  receipt: string | null;
  amountKes: number;
  reviewCode: string;
  /** The review guidance's one-line summary (plain words). */
  reason: string;
}

export function needsReviewPayload(f: ReviewFacts): FlowPayload<"mpesa-payment-needs-review"> | null {
  const id = orderId(f.orderGid);
  if (id === null) return null;
  return {
    order_id: id,
    "Receipt number": line(f.receipt),
    Amount: f.amountKes,
    "Review reason": line(f.reason),
    "Review code": line(f.reviewCode),
  };
}
