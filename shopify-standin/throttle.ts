// Shopify's leaky bucket for the Admin GraphQL API, one per shop (Shopify keeps one per app and
// store; the stand-in serves one app). A query needs its requested cost in the bucket before it
// runs; it is charged that up front and refunded the difference to its actual cost when it is done;
// the bucket refills continuously at the plan's restore rate up to its maximum.

export interface ThrottlePlan {
  maximumAvailable: number;
  restoreRate: number;
}

/**
 * Restore rates are Shopify's published figures (points per second, GraphQL Admin API rate limits).
 * The page no longer states bucket sizes; the stand-in keeps the 20 s of restore the older docs
 * showed on every plan (1,000 / 50 then; Standard shops answer maximumAvailable 2000 with 100 now).
 */
export const PLANS = {
  standard: { maximumAvailable: 2_000, restoreRate: 100 },
  advanced: { maximumAvailable: 4_000, restoreRate: 200 },
  plus: { maximumAvailable: 20_000, restoreRate: 1_000 },
  commerce_components: { maximumAvailable: 40_000, restoreRate: 2_000 },
} as const satisfies Record<string, ThrottlePlan>;

export type PlanName = keyof typeof PLANS;
/** A plan by name, or explicit figures (a test that wants a small bucket). */
export type PlanSpec = PlanName | ThrottlePlan;

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export function resolvePlan(spec: unknown): ThrottlePlan {
  if (typeof spec === "string" && spec in PLANS) return PLANS[spec as PlanName];
  const s = spec as Partial<ThrottlePlan> | null;
  if (s && typeof s === "object" && Number(s.maximumAvailable) > 0 && Number(s.restoreRate) > 0) {
    return { maximumAvailable: Number(s.maximumAvailable), restoreRate: Number(s.restoreRate) };
  }
  throw new Error(
    `unknown plan ${JSON.stringify(spec)}: one of ${Object.keys(PLANS).join(", ")} or {maximumAvailable, restoreRate}`,
  );
}

class Bucket {
  private level: number;
  private at: number;
  constructor(
    public plan: ThrottlePlan,
    now: number,
  ) {
    this.level = plan.maximumAvailable;
    this.at = now;
  }

  available(now: number): number {
    const level = Math.min(this.plan.maximumAvailable, this.level + ((now - this.at) / 1000) * this.plan.restoreRate);
    this.level = level;
    this.at = now;
    return level;
  }

  /** Charges `cost` if the bucket holds it; false (nothing charged) otherwise. */
  take(cost: number, now: number): boolean {
    if (this.available(now) < cost) return false;
    this.level -= cost;
    return true;
  }

  refund(points: number, now: number) {
    this.available(now);
    this.level = Math.min(this.plan.maximumAvailable, this.level + points);
  }

  status(now: number): ThrottleStatus {
    // Shopify answers whole numbers of points here (as floats: 1990.0).
    return {
      maximumAvailable: this.plan.maximumAvailable,
      currentlyAvailable: Math.floor(this.available(now)),
      restoreRate: this.plan.restoreRate,
    };
  }
}

export class Throttles {
  private buckets = new Map<string, Bucket>();
  private plans = new Map<string, ThrottlePlan>();

  constructor(
    private defaultPlan: ThrottlePlan = PLANS.standard,
    private now: () => number = () => performance.timeOrigin + performance.now(),
  ) {}

  private bucket(shop: string): Bucket {
    let bucket = this.buckets.get(shop);
    if (!bucket) {
      bucket = new Bucket(this.plans.get(shop) ?? this.defaultPlan, this.now());
      this.buckets.set(shop, bucket);
    }
    return bucket;
  }

  /** A shop's plan; a change starts a full bucket of the new size (as an upgrade looks from outside). */
  setPlan(shop: string, spec: PlanSpec): ThrottlePlan {
    const plan = resolvePlan(spec);
    this.plans.set(shop, plan);
    this.buckets.delete(shop);
    return plan;
  }

  plan(shop: string): ThrottlePlan {
    return this.bucket(shop).plan;
  }

  take(shop: string, cost: number): boolean {
    return this.bucket(shop).take(cost, this.now());
  }

  refund(shop: string, points: number) {
    if (points > 0) this.bucket(shop).refund(points, this.now());
  }

  status(shop: string): ThrottleStatus {
    return this.bucket(shop).status(this.now());
  }

  /** Full buckets again; plans stay unless `plans` is true. */
  reset(opts: { plans?: boolean } = {}) {
    this.buckets.clear();
    if (opts.plans) this.plans.clear();
  }
}
