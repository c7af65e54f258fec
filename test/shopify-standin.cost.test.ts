import { getOperationAST, Kind, parse, type FragmentDefinitionNode } from "graphql";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startShopifyStandin, type ShopifyStandin } from "../shopify-standin/index";
import { adminSchema } from "../shopify-standin/admin-schema";
import { operationCost } from "../shopify-standin/cost";
import { PLANS, Throttles } from "../shopify-standin/throttle";

// Shopify's calculated query cost and leaky bucket in the stand-in: the rules as unit tests, the
// answers (extensions.cost, THROTTLED, MAX_COST_EXCEEDED, plans) over real HTTP.

function cost(query: string, variables: Record<string, unknown> = {}) {
  const document = parse(query);
  const fragments = Object.fromEntries(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  return operationCost(adminSchema(), getOperationAST(document)!, fragments, variables);
}

describe("calculated query cost", () => {
  it("charges objects 1 and scalars and enums nothing", () => {
    expect(cost(`{ shop { id name currencyCode } }`).requested).toBe(1);
    expect(cost(`{ shop { name billingAddress { city } } }`).requested).toBe(2);
    expect(cost(`{ shop { __typename } }`).requested).toBe(1);
  });

  it("sizes connections by first or last: 2 + size × one node, pageInfo once", () => {
    expect(cost(`{ orders(first: 10) { edges { cursor node { id name } } } }`).requested).toBe(12);
    expect(cost(`{ orders(last: 3) { nodes { id customer { id } } pageInfo { hasNextPage } } }`).requested).toBe(
      2 + 3 * 2 + 1,
    );
    expect(cost(`query Q($n: Int) { orders(first: $n) { nodes { id } } }`, { n: 50 }).requested).toBe(52);
    // nested connections multiply
    expect(cost(`{ orders(first: 10) { nodes { id lineItems(first: 5) { nodes { id } } } } }`).requested).toBe(
      2 + 10 * (1 + 2 + 5),
    );
  });

  it("charges a mutation 10, its payload included", () => {
    expect(
      cost(
        `mutation { tagsAdd(id: "gid://shopify/Order/1", tags: ["a"]) { node { id } userErrors { field message } } }`,
      ).requested,
    ).toBe(10);
  });

  it("takes the most expensive possibility for an interface, following fragments", () => {
    const q = `query N($id: ID!) { node(id: $id) { id ...O ... on Customer { id } } }
      fragment O on Order { customer { id } billingAddress { phone } }`;
    expect(cost(q, { id: "x" }).requested).toBe(3); // node 1 + Order's customer 1 + billingAddress 1
  });

  it("computes the actual cost from what came back: returned nodes, nothing below a null", () => {
    const c = cost(`{ orders(first: 10) { nodes { id customer { id } } } }`);
    expect(c.requested).toBe(22);
    expect(
      c.actual({
        orders: {
          nodes: [
            { id: "1", customer: null },
            { id: "2", customer: { id: "c" } },
          ],
        },
      }),
    ).toBe(2 + 2 + 2);
    expect(cost(`{ shop { billingAddress { city } } }`).actual({ shop: null })).toBe(1);
  });
});

describe("leaky bucket", () => {
  it("charges, refuses what it cannot cover, refunds and restores at the plan's rate", () => {
    let now = 0;
    const t = new Throttles(PLANS.standard, () => now);
    expect(t.take("a", 1500)).toBe(true);
    expect(t.take("a", 600)).toBe(false); // 500 left; nothing charged
    expect(t.status("a")).toEqual({ maximumAvailable: 2000, currentlyAvailable: 500, restoreRate: 100 });
    t.refund("a", 100);
    now += 1000;
    expect(t.status("a").currentlyAvailable).toBe(700);
    expect(t.take("a", 600)).toBe(true);
    now += 60_000;
    expect(t.status("a").currentlyAvailable).toBe(2000); // never above the maximum
    expect(t.status("b").currentlyAvailable).toBe(2000); // one bucket per shop
  });

  it("has the published restore rate for each plan", () => {
    expect(Object.fromEntries(Object.entries(PLANS).map(([k, p]) => [k, p.restoreRate]))).toEqual({
      standard: 100,
      advanced: 200,
      plus: 1000,
      commerce_components: 2000,
    });
    const t = new Throttles();
    t.setPlan("p", "plus");
    expect(t.status("p")).toMatchObject({ maximumAvailable: 20_000, restoreRate: 1000 });
    expect(() => t.setPlan("p", "gold" as never)).toThrow(/unknown plan/);
  });
});

describe("over HTTP", () => {
  const SHOP = "cost-test.myshopify.com";
  const OTHER = "cost-other.myshopify.com";
  let standin: ShopifyStandin;
  beforeAll(async () => {
    standin = await startShopifyStandin();
  });
  afterAll(() => standin.close());
  beforeEach(async () => {
    standin.reset({ shops: true });
    await control("POST", "shops", { shop: SHOP, accessToken: "t", plan: { maximumAvailable: 100, restoreRate: 1 } });
    await control("POST", "shops", { shop: OTHER, accessToken: "o" });
  });

  async function control(method: string, path: string, body?: unknown) {
    const res = await fetch(`${standin.url}/__standin/${path}`, {
      method,
      headers: { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  }
  async function gql(query: string, variables: Record<string, unknown> = {}, shop = SHOP, token = "t") {
    const res = await fetch(`${standin.url}/${shop}/admin/api/2026-07/graphql.json`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": token },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, body: (await res.json()) as any };
  }
  const TAGS = `mutation T($id: ID!) { tagsAdd(id: $id, tags: ["x"]) { userErrors { message } } }`;

  it("reports cost and throttle status on every costed answer, and THROTTLED when the bucket is short", async () => {
    const order = standin.createOrder({ shop: SHOP });
    const statuses = [];
    for (let i = 0; i < 11; i++) statuses.push(await gql(TAGS, { id: order.id }));
    expect(statuses[0].body.extensions.cost).toEqual({
      requestedQueryCost: 10,
      actualQueryCost: 10,
      throttleStatus: { maximumAvailable: 100, currentlyAvailable: 90, restoreRate: 1 },
    });
    const throttled = statuses.filter((r) => r.body.errors);
    // 100 points, 10 each, 1 restored per second: the eleventh call cannot be covered (a slow machine
    // may restore one point, never ten, between calls).
    expect(throttled.length).toBe(1);
    expect(throttled[0].status).toBe(200);
    expect(throttled[0].body).toEqual({
      errors: [
        {
          message: "Throttled",
          extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" },
        },
      ],
      extensions: {
        cost: {
          requestedQueryCost: 10,
          actualQueryCost: null,
          throttleStatus: expect.objectContaining({ maximumAvailable: 100 }),
        },
      },
    });
    expect(throttled[0].body.extensions.cost.throttleStatus.currentlyAvailable).toBeLessThan(10);
    expect(standin.requests().map((r) => r.outcome)).toEqual([...Array(10).fill("ok"), "throttled"]);
    expect(standin.getOrder(order.id)!.tags).toEqual(["x"]);

    // another shop's bucket is untouched
    const other = await gql(`query O($id: ID!) { order(id: $id) { id } }`, { id: order.id }, OTHER, "o");
    expect(other.body.extensions.cost.throttleStatus).toEqual({
      maximumAvailable: 2000,
      currentlyAvailable: 1999,
      restoreRate: 100,
    });
  });

  it("keeps per-shop totals of every call (points charged, THROTTLED answers), also over HTTP", async () => {
    const order = standin.createOrder({ shop: SHOP });
    for (let i = 0; i < 11; i++) await gql(TAGS, { id: order.id });
    await gql(`query O($id: ID!) { order(id: $id) { id } }`, { id: order.id }, OTHER, "o");
    const usage = standin.usage();
    expect(usage[SHOP]).toMatchObject({ calls: 11, throttled: 1, pointsCharged: 100 });
    expect(usage[OTHER]).toMatchObject({ calls: 1, throttled: 0, pointsCharged: 1 });
    expect(usage[SHOP].lastAt).toBeGreaterThanOrEqual(usage[SHOP].firstAt);
    expect((await control("GET", "usage")).body.usage[SHOP]).toEqual(usage[SHOP]);
    standin.reset();
    expect(standin.usage()).toEqual({});
  });

  it("charges the requested cost up front and keeps only the actual cost", async () => {
    const order = standin.createOrder({ shop: SHOP });
    const q = `query O($id: ID!) { order(id: $id) { id transactions(first: 20) { id amountSet { shopMoney { amount } } } } }`;
    const res = await gql(q, { id: order.id });
    expect(res.body.extensions.cost).toMatchObject({ requestedQueryCost: 61, actualQueryCost: 1 });
    expect(res.body.extensions.cost.throttleStatus.currentlyAvailable).toBe(99);
    // 61 points needed: refused while the bucket holds less, even though it would only cost 1
    await control("POST", `shops/${SHOP}/plan`, { plan: { maximumAvailable: 60, restoreRate: 1 } });
    expect((await gql(q, { id: order.id })).body.errors[0].extensions.code).toBe("THROTTLED");
  });

  it("refuses a query above the single-query maximum without charging it", async () => {
    const res = await gql(`{ orders(first: 250) { nodes { id lineItems(first: 5) { nodes { id } } } } }`);
    expect(res.body.errors[0]).toEqual({
      message: "Query cost is 2002, which exceeds the single query max cost limit (1000).",
      extensions: { code: "MAX_COST_EXCEEDED", cost: 2002, maxCost: 1000 },
    });
    expect(res.body.extensions.cost.throttleStatus.currentlyAvailable).toBe(100);
    expect(standin.requests()[0]).toMatchObject({ outcome: "rejected", cost: { requested: 2002, actual: null } });
  });

  it("sets a shop's plan through the control API and reports its bucket", async () => {
    expect((await control("POST", `shops/${OTHER}/plan`, { plan: "advanced" })).body.plan).toEqual({
      maximumAvailable: 4000,
      restoreRate: 200,
    });
    expect((await control("GET", `shops/${OTHER}/throttle`)).body.throttleStatus).toEqual({
      maximumAvailable: 4000,
      currentlyAvailable: 4000,
      restoreRate: 200,
    });
    expect((await control("POST", `shops/${OTHER}/plan`, { plan: "gold" })).status).toBe(400);
  });
});
