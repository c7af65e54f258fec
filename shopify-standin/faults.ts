// Failures on demand: the next N matching Admin calls answer like an overloaded Shopify.

export interface FaultSpec {
  /** "429": HTTP 429 + Retry-After; "503": HTTP 503; "throttled": HTTP 200 with a THROTTLED error */
  type: "429" | "503" | "throttled";
  /** how many matching calls fail (default 1) */
  count?: number;
  only?: "mutations" | "queries";
  operationName?: string;
  /** Retry-After header for 429 (default 2) */
  retryAfterSeconds?: number;
}

interface ActiveFault extends FaultSpec {
  remaining: number;
}

export class Faults {
  private active: ActiveFault[] = [];

  add(spec: FaultSpec) {
    if (!["429", "503", "throttled"].includes(String(spec.type))) throw new Error(`unknown fault type ${spec.type}`);
    this.active.push({ ...spec, type: String(spec.type) as FaultSpec["type"], remaining: spec.count ?? 1 });
  }

  /** The fault this call must suffer, if any (consumes one). */
  take(operationType: string | undefined, operationName: string | undefined): FaultSpec | undefined {
    const fault = this.active.find(
      (f) =>
        f.remaining > 0 &&
        (!f.only || (f.only === "mutations") === (operationType === "mutation")) &&
        (!f.operationName || f.operationName === operationName),
    );
    if (!fault) return undefined;
    fault.remaining -= 1;
    this.active = this.active.filter((f) => f.remaining > 0);
    return fault;
  }

  list(): FaultSpec[] {
    return this.active.map(({ remaining, ...spec }) => ({ ...spec, count: remaining }));
  }

  clear() {
    this.active = [];
  }
}
