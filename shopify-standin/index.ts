import http from "node:http";
import type { AddressInfo } from "node:net";
import { Faults, type FaultSpec } from "./faults";
import { answerGraphql, type Answer, type RecordedRequest } from "./graphql-endpoint";
import { orderSnapshot } from "./root";
import { adminSchema } from "./admin-schema";
import { adminRefund, type WebhookTarget } from "./refunds";
import { StandinState, type CreateOrderInput } from "./state";
import { toCents } from "./money";
import { loadFlowTriggers, type FlowTriggerDefinition, type ReceivedFlowTrigger } from "./flow";
import { resolvePlan, Throttles, type PlanSpec, type ThrottlePlan, type ThrottleStatus } from "./throttle";

// Local stand-in for the Shopify Admin GraphQL API. See README.md for the HTTP and control API.

export type { FaultSpec, RecordedRequest, CreateOrderInput, PlanSpec, ThrottlePlan, ThrottleStatus };
export type { FlowTriggerDefinition, ReceivedFlowTrigger };
export { PLANS } from "./throttle";
export { MAX_QUERY_COST } from "./cost";
export type OrderSnapshot = ReturnType<typeof orderSnapshot>;

/** Admin calls of one shop since start (or the last reset): kept in full, unlike the request log. */
export interface ShopUsage {
  calls: number;
  throttled: number;
  /** Points the bucket was charged (actual costs of the calls that ran). */
  pointsCharged: number;
  firstAt: number; // epoch ms of the first call
  lastAt: number;
}

export interface StandinOptions {
  port?: number;
  host?: string;
  /** delay added to every Admin API answer, in ms */
  latencyMs?: number;
  /** the Admin API plan of shops registered without one (default "standard": 2,000 points, 100/s) */
  plan?: PlanSpec;
  /** where Shopify's webhooks (refunds/create) go, signed with the app secret; settable later too */
  webhooks?: WebhookTarget;
  /** the app's Flow triggers (default: the flow_trigger extensions under extensions/ of this repository) */
  flowTriggers?: FlowTriggerDefinition[];
}

// A long-running sandbox keeps only the most recent calls.
const MAX_LOG = 2000;
const ADMIN_PATH = /^\/([a-z0-9][a-z0-9.-]*)\/admin\/api\/([0-9]{4}-[0-9]{2}|unstable)\/graphql\.json$/i;

export async function startShopifyStandin(opts: StandinOptions = {}) {
  adminSchema(); // ~1 s, synchronous: pay it at start rather than inside the first request
  const state = new StandinState();
  state.flowTriggerDefinitions = opts.flowTriggers ?? loadFlowTriggers();
  const faults = new Faults();
  const throttles = new Throttles(resolvePlan(opts.plan ?? "standard"));
  let log: RecordedRequest[] = [];
  const usage = new Map<string, ShopUsage>();
  const tally = (r: RecordedRequest) => {
    const now = Date.now();
    let u = usage.get(r.shop);
    if (!u) usage.set(r.shop, (u = { calls: 0, throttled: 0, pointsCharged: 0, firstAt: now, lastAt: now }));
    u.calls++;
    u.lastAt = now;
    if (r.outcome === "throttled") u.throttled++;
    u.pointsCharged += r.cost?.actual ?? 0;
  };
  let latencyMs = opts.latencyMs ?? 0;
  let webhookTarget: WebhookTarget | null = opts.webhooks ?? null;

  const control = {
    /**
     * Register (or rotate) a shop's token. A development store unless `developmentStore: false` (Admin
     * `shop.plan.partnerDevelopment`); `plan` sets its Admin API rate limits (default: the stand-in's).
     */
    registerShop(shop: string, accessToken: string, opts: { developmentStore?: boolean; plan?: PlanSpec } = {}) {
      state.registerShop(shop, accessToken, opts);
      const answer = { shop, developmentStore: opts.developmentStore !== false };
      return opts.plan === undefined ? answer : { ...answer, plan: throttles.setPlan(shop.toLowerCase(), opts.plan) };
    },
    /** The shop's Admin API plan (a name from PLANS or {maximumAvailable, restoreRate}); starts a full bucket. */
    setPlan(shop: string, plan: PlanSpec): ThrottlePlan {
      return throttles.setPlan(shop.toLowerCase(), plan);
    },
    /** The shop's bucket now, as the next answer would report it. */
    throttleStatus: (shop: string): ThrottleStatus => throttles.status(shop.toLowerCase()),
    createOrder(input: CreateOrderInput): OrderSnapshot {
      if (!input?.shop) throw new Error("shop is required");
      return orderSnapshot(state.createOrder(input));
    },
    getOrder(id: string | number): OrderSnapshot | null {
      const order = [...state.orders.values()].find((o) => o.gid === id || String(o.id) === String(id));
      return order ? orderSnapshot(order) : null;
    },
    /** What a merchant does in the admin: cancel the order. */
    cancelOrder(id: string | number): OrderSnapshot | null {
      const order = [...state.orders.values()].find((o) => o.gid === id || String(o.id) === String(id));
      if (!order) return null;
      order.cancelledAt ??= new Date().toISOString();
      return orderSnapshot(order);
    },
    /**
     * What a merchant does in the admin: refund an order (all that is left, or `amount` in the
     * order's currency), then Shopify sends `refunds/create` to the app (when a target is set).
     */
    async refundOrder(id: string | number, opts: { amount?: string | number; note?: string | null } = {}) {
      const order = [...state.orders.values()].find((o) => o.gid === id || String(o.id) === String(id));
      if (!order) return null;
      const amountCents = opts.amount === undefined ? undefined : toCents(opts.amount);
      if (amountCents !== undefined && Number.isNaN(amountCents)) throw new Error("amount is not a decimal");
      const result = await adminRefund(state, order, { amountCents, note: opts.note, target: webhookTarget });
      return { ...result, order: orderSnapshot(order) };
    },
    /** Where webhooks go ({url, secret}; null: nowhere). */
    setWebhookTarget(target: WebhookTarget | null) {
      webhookTarget = target;
      return target ? { url: target.url } : null;
    },
    requests: (): RecordedRequest[] => [...log],
    /** Per-shop totals of every Admin call (the request log keeps only the latest calls). */
    usage: (): Record<string, ShopUsage> => Object.fromEntries([...usage].map(([k, v]) => [k, { ...v }])),
    mutations: (operationName?: string) =>
      log.filter(
        (r) =>
          r.operationType === "mutation" && r.outcome === "ok" && (!operationName || r.operationName === operationName),
      ),
    rejected: () => log.filter((r) => r.outcome === "rejected"),
    /** Flow triggers flowTriggerReceive accepted (of one shop when given), oldest first. */
    flowTriggers: (shop?: string): ReceivedFlowTrigger[] =>
      state.flowTriggers.filter((t) => !shop || t.shop === shop.toLowerCase()).map((t) => ({ ...t })),
    /** The Flow triggers the stand-in knows (the app's flow_trigger extensions). */
    flowTriggerDefinitions: (): FlowTriggerDefinition[] => state.flowTriggerDefinitions,
    addFault(spec: FaultSpec) {
      faults.add(spec);
      return faults.list();
    },
    faults: () => faults.list(),
    clearFaults: () => faults.clear(),
    setLatency(ms: number) {
      latencyMs = Math.max(0, Number(ms) || 0);
    },
    /** Forget orders, the request log, faults and latency and refill every bucket; registered shops
     * (and their plans) stay unless `shops` is true. */
    reset(options: { shops?: boolean } = {}) {
      state.resetOrders();
      if (options.shops) {
        state.shops.clear();
        state.liveStores.clear();
      }
      throttles.reset({ plans: !!options.shops });
      log = [];
      usage.clear();
      faults.clear();
      latencyMs = 0;
    },
  };

  const server = http.createServer((req, res) => {
    readJson(req)
      .then(async (body) => {
        const answer = await route(req.method ?? "GET", new URL(req.url ?? "/", "http://standin"), req, body);
        if (latencyMs && !req.url?.startsWith("/__standin/")) await new Promise((r) => setTimeout(r, latencyMs));
        send(res, answer);
      })
      .catch((e) => send(res, { status: 400, body: { error: String(e?.message ?? e) } }));
  });

  function route(method: string, url: URL, req: http.IncomingMessage, body: any): Answer | Promise<Answer> {
    const admin = ADMIN_PATH.exec(url.pathname);
    if (admin && method === "POST") {
      const token = req.headers["x-shopify-access-token"];
      return answerGraphql(
        {
          state,
          faults,
          throttles,
          record: (r) => {
            tally(r);
            if (log.push(r) > MAX_LOG) log.shift();
          },
        },
        {
          shop: admin[1].toLowerCase(),
          apiVersion: admin[2],
          token: typeof token === "string" ? token : undefined,
          body,
        },
      );
    }
    if (url.pathname.startsWith("/__standin/")) return controlRoute(method, url, body);
    return { status: 404, body: { errors: "Not Found" } };
  }

  function controlRoute(method: string, url: URL, body: any): Answer | Promise<Answer> {
    const parts = url.pathname.split("/").filter(Boolean).slice(1); // after "__standin"
    const ok = (b: unknown, status = 200): Answer => ({ status, body: b });
    const key = `${method} ${parts[0] ?? ""}${parts.length > 1 ? "/:id" : ""}${parts[2] ? `/${parts[2]}` : ""}`;
    switch (key) {
      case "POST shops":
        if (!body?.shop || !body?.accessToken) return ok({ error: "shop and accessToken are required" }, 400);
        return ok(
          control.registerShop(body.shop, body.accessToken, {
            developmentStore: body.developmentStore,
            plan: body.plan,
          }),
          201,
        );
      case "POST shops/:id/plan":
        return ok({ plan: control.setPlan(decodeURIComponent(parts[1]), body?.plan ?? body) });
      case "GET shops/:id/throttle":
        return ok({ throttleStatus: control.throttleStatus(decodeURIComponent(parts[1])) });
      case "POST orders":
        return ok({ order: control.createOrder(body) }, 201);
      case "GET orders/:id": {
        const order = control.getOrder(decodeURIComponent(parts[1]));
        return order ? ok({ order }) : ok({ error: "order not found" }, 404);
      }
      case "POST orders/:id/cancel": {
        const order = control.cancelOrder(decodeURIComponent(parts[1]));
        return order ? ok({ order }) : ok({ error: "order not found" }, 404);
      }
      case "POST orders/:id/refund":
        return control.refundOrder(decodeURIComponent(parts[1]), { amount: body?.amount, note: body?.note }).then(
          (made) => (made ? ok(made, 201) : ok({ error: "order not found" }, 404)),
          (e: Error) => ok({ error: e.message }, 422),
        );
      case "POST webhooks":
        if (body?.url === null) return ok({ webhooks: control.setWebhookTarget(null) });
        if (typeof body?.url !== "string" || typeof body?.secret !== "string" || !body.secret)
          return ok({ error: "url and secret are required" }, 400);
        return ok({ webhooks: control.setWebhookTarget({ url: body.url, secret: body.secret }) });
      case "GET requests":
        return ok({ requests: control.requests() });
      case "GET usage":
        return ok({ usage: control.usage() });
      case "GET mutations":
        return ok({ mutations: control.mutations(url.searchParams.get("operationName") ?? undefined) });
      case "GET rejected":
        return ok({ rejected: control.rejected() });
      case "GET flow-triggers":
        return ok({
          definitions: control.flowTriggerDefinitions(),
          received: control.flowTriggers(url.searchParams.get("shop") ?? undefined),
        });
      case "GET faults":
        return ok({ faults: control.faults() });
      case "POST faults":
        for (const spec of Array.isArray(body?.faults) ? body.faults : [body]) control.addFault(spec);
        return ok({ faults: control.faults() }, 201);
      case "DELETE faults":
        control.clearFaults();
        return ok({ faults: [] });
      case "POST latency":
        control.setLatency(body?.ms);
        return ok({ latencyMs });
      case "POST reset":
        control.reset({ shops: !!body?.shops });
        return ok({ reset: true });
      default:
        return ok({ error: `no control route ${method} ${url.pathname}` }, 404);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(":") ? `[${address}]` : address;

  return {
    url: `http://${host}:${port}`,
    port,
    ...control,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type ShopifyStandin = Awaited<ReturnType<typeof startShopifyStandin>>;

function readJson(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > 1_000_000) reject(new Error("request body too large"));
      else chunks.push(c);
    });
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      try {
        resolve(text ? JSON.parse(text) : undefined);
      } catch {
        reject(new Error("request body is not JSON"));
      }
    });
    req.on("error", reject);
  });
}

function send(res: http.ServerResponse, answer: Answer) {
  res.writeHead(answer.status, {
    "Content-Type": "application/json; charset=utf-8",
    "X-Request-Id": `standin-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`,
    ...answer.headers,
  });
  res.end(JSON.stringify(answer.body));
}
