import fs from "node:fs";
import path from "node:path";
import { parse } from "smol-toml";

// Shopify Flow triggers as the stand-in knows them: the app's trigger extensions (every
// `extensions/*/shopify.extension.toml` of type flow_trigger, as `shopify app deploy` would publish
// them), and flowTriggerReceive's checks of a payload against its trigger's fields. Shopify's exact
// wording of these userErrors is not documented; the rules follow its Flow docs: the payload's keys
// must be exactly the trigger's field keys, reference fields are `<object>_id` with the numeric id,
// values of the field's type, and a payload of at most 50 KB.

export interface FlowTriggerField {
  type: string;
  /** The payload key: the TOML key, or `<object>_id` for a reference field. */
  key: string;
}

export interface FlowTriggerDefinition {
  handle: string;
  name: string;
  fields: FlowTriggerField[];
}

export interface ReceivedFlowTrigger {
  at: string;
  shop: string;
  handle: string;
  payload: Record<string, unknown>;
}

const REFERENCE = /^(customer|order|product|company|company_contact)_reference$/;
export const MAX_PAYLOAD_BYTES = 50_000;

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");

/** The flow_trigger extensions of the app in `root` (default: this repository). */
export function loadFlowTriggers(root = ROOT): FlowTriggerDefinition[] {
  const dir = path.join(root, "extensions");
  if (!fs.existsSync(dir)) return [];
  const found: FlowTriggerDefinition[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name, "shopify.extension.toml");
    if (!entry.isDirectory() || !fs.existsSync(file)) continue;
    const toml = parse(fs.readFileSync(file, "utf8")) as {
      extensions?: { type?: string; handle?: string; name?: string }[];
      settings?: { fields?: { type: string; key?: string }[] };
    };
    for (const ext of toml.extensions ?? []) {
      if (ext.type !== "flow_trigger" || !ext.handle) continue;
      found.push({
        handle: ext.handle,
        name: ext.name ?? ext.handle,
        fields: (toml.settings?.fields ?? []).map((f) => ({ type: f.type, key: payloadKey(f) })),
      });
    }
  }
  return found;
}

function payloadKey(field: { type: string; key?: string }): string {
  const ref = REFERENCE.exec(field.type);
  return ref ? `${ref[1]}_id` : (field.key ?? "");
}

type UserError = { field: string[]; message: string };

/**
 * The userErrors Shopify answers for this trigger call (none: accepted). `orderExists` tells whether
 * an order id belongs to the calling shop.
 */
export function checkFlowTrigger(
  definitions: FlowTriggerDefinition[],
  handle: unknown,
  payload: unknown,
  orderExists: (id: number) => boolean,
): UserError[] {
  const definition = definitions.find((d) => d.handle === handle);
  if (typeof handle !== "string" || !definition)
    return [{ field: ["handle"], message: `Invalid handle: no Flow trigger "${String(handle)}" in this app` }];
  if (typeof payload !== "object" || payload === null || Array.isArray(payload))
    return [{ field: ["payload"], message: "Payload must be a JSON object" }];
  if (Buffer.byteLength(JSON.stringify(payload)) > MAX_PAYLOAD_BYTES)
    return [{ field: ["payload"], message: `Payload exceeds the maximum size of ${MAX_PAYLOAD_BYTES} bytes` }];
  const errors: UserError[] = [];
  const values = payload as Record<string, unknown>;
  for (const key of Object.keys(values)) {
    if (!definition.fields.some((f) => f.key === key))
      errors.push({ field: ["payload", key], message: `Unknown field "${key}" for trigger ${definition.handle}` });
  }
  for (const field of definition.fields) {
    if (!(field.key in values)) {
      errors.push({ field: ["payload", field.key], message: `Missing field "${field.key}"` });
      continue;
    }
    const problem = valueProblem(field, values[field.key], orderExists);
    if (problem) errors.push({ field: ["payload", field.key], message: `"${field.key}" ${problem}` });
  }
  return errors;
}

function valueProblem(field: FlowTriggerField, value: unknown, orderExists: (id: number) => boolean): string | null {
  if (REFERENCE.test(field.type)) {
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0)
      return "must be the numeric id of the resource";
    if (field.type === "order_reference" && !orderExists(value)) return "does not reference an order of this shop";
    return null;
  }
  switch (field.type) {
    case "single_line_text_field":
      return typeof value !== "string" ? "must be a string" : /[\r\n]/.test(value) ? "must be a single line" : null;
    case "number_decimal":
      return typeof value === "number" && Number.isFinite(value) ? null : "must be a decimal number";
    case "boolean":
      return typeof value === "boolean" ? null : "must be true or false";
    case "email":
      return typeof value === "string" && /^[^@\s]+@[^@\s]+$/.test(value) ? null : "must be an email address";
    case "url":
      return typeof value === "string" && /^https?:\/\/\S+$/.test(value) ? null : "must be a URL";
    default:
      return `has a field type the stand-in does not know (${field.type})`;
  }
}
