// The control API, in process and over HTTP under /__emulator/ (same operations, same names).
import { customerPays, parseCustomerPayment, type CustomerPayment, type CustomerPaymentResult } from "./api/c2b";
import type { CallbackRecord } from "./callbacks";
import { EMULATOR_CERTIFICATE } from "./initiator-key";
import type { Balances, Resolved, Rules } from "./options";
import { parseForcedOutcome, type ForcedOutcome } from "./outcomes";
import type { Reply } from "./reply";
import {
  createState,
  type EndpointBehaviour,
  type LedgerEntry,
  type RequestRecord,
  type PullQuirks,
  type Stats,
  type StkTxn,
} from "./state";
import {
  statementFile,
  statementFromLedger,
  type Settlement,
  type StatementDocument,
  type StatementFaults,
} from "./statement";

export type StatementRequest = {
  shortCode: string;
  format?: "csv" | "xlsx";
  /** Epoch ms; default: from the first movement to now. */
  from?: number;
  to?: number;
  faults?: StatementFaults;
};

export type EndpointSetting = { latencyMs?: number; failTimes?: number; failStatus?: 500 | 503 };

export type EmulatorStats = Stats & { callbacksSent: number; callbacksFailed: number; pendingCallbacks: number };

export type EmulatorControl = ReturnType<typeof createControl>["api"];

export function createControl(opts: Resolved) {
  let state = createState(opts);

  const api = {
    /** Requests received (bodies parsed when JSON), optionally only those whose path starts with `path`. */
    requests: (filter: { path?: string } = {}): RequestRecord[] =>
      state.requests.filter((r) => !filter.path || r.path.startsWith(filter.path)),
    /** Callbacks sent: url, body, the status the receiver answered (null: no answer). */
    callbacks: (filter: { kind?: string } = {}): CallbackRecord[] =>
      state.dispatcher.records().filter((c) => !filter.kind || c.kind === filter.kind),
    /** Forces how the next request of that API ends (consumed by it). */
    setNextOutcome(outcome: ForcedOutcome) {
      state.forced.push(parseForcedOutcome(outcome));
    },
    /** Slow (added latency) and/or failing (next N requests answered 500 or 503) endpoint. */
    setEndpoint(path: string, s: EndpointSetting): EndpointBehaviour {
      const prev = state.endpoints.get(path) ?? { latencyMs: 0, failTimes: 0, failStatus: 500 };
      const next = { ...prev, ...s } as EndpointBehaviour;
      if (next.failStatus !== 500 && next.failStatus !== 503) throw new Error("failStatus must be 500 or 503");
      state.endpoints.set(path, next);
      return next;
    },
    /** A customer pays a paybill/till; resolves when validation and confirmation are done. */
    c2bPay: (p: CustomerPayment): Promise<CustomerPaymentResult> => customerPays(state, p),
    /** External validation is off by default in Daraja (enabled on request by Safaricom, §3.1). */
    setC2bValidation(shortCode: string | number, enabled: boolean) {
      if (enabled) state.c2bValidationEnabled.add(String(shortCode));
      else state.c2bValidationEnabled.delete(String(shortCode));
    },
    /** Adds (or moves) a Buy Goods till under a store shortcode. */
    setTill(tillNumber: string | number, storeNumber: string | number) {
      state.tills.set(String(tillNumber), String(storeNumber));
    },
    /** The only C2B Register URL version this shortcode's product allows (null: both, the default). */
    setC2bVersion(shortCode: string | number, version: "v1" | "v2" | null) {
      if (version === null) state.c2bVersions.delete(String(shortCode));
      else if (version === "v1" || version === "v2") state.c2bVersions.set(String(shortCode), version);
      else throw new Error("version must be v1, v2 or null");
    },
    /** The URLs registered for a shortcode (C2B Register URL), if any. */
    c2bRegistration: (shortCode: string | number) => {
      const r = state.c2b.get(String(shortCode));
      return r ? { ...r } : null;
    },
    /** Successful STK payments to this shortcode also reach its C2B confirmation URL (§10.3, reported). */
    setC2bStkEcho(shortCode: string | number, enabled: boolean) {
      if (enabled) state.c2bEchoStk.add(String(shortCode));
      else state.c2bEchoStk.delete(String(shortCode));
    },
    setRules(rules: Partial<Rules>): Rules {
      Object.assign(state.rules, rules);
      return { ...state.rules };
    },
    balances: (shortCode: string | number): Balances => ({ ...state.account(String(shortCode)) }),
    setBalances(shortCode: string | number, b: Partial<Balances>): Balances {
      Object.assign(state.account(String(shortCode)), b);
      return api.balances(shortCode);
    },
    stkTransactions: (): StkTxn[] => [...state.stk.values()],
    /** Every completed money movement (STK, C2B, B2C, reversals), findable by receipt. */
    ledger: (): LedgerEntry[] => [...state.ledger.values()],
    /** The Org Portal statement (Utility Account) of one shortcode, from the emulator's own money movements. */
    statementDocument(r: Omit<StatementRequest, "format" | "faults">): StatementDocument {
      return statementFromLedger({
        shortCode: String(r.shortCode),
        ledger: state.ledger.values(),
        settlements: state.settlements,
        openingKes: opts.initialBalances.utility,
        from: r.from,
        to: r.to,
        now: state.now(),
      });
    },
    /** The statement file as the portal exports it (CSV or XLSX), with faults on request. */
    statement: (r: StatementRequest): Promise<Buffer> =>
      statementFile(api.statementDocument(r), r.format ?? "csv", r.faults ?? {}),
    /** Sweeps the Utility Account's balance to the settlement account (a Settlement row on the statement). */
    settle(shortCode: string | number): Settlement {
      const account = state.account(String(shortCode));
      // The statement's own balance (it also deducts the charge rows), in whole shillings.
      const balance = Math.max(
        0,
        Math.floor(api.statementDocument({ shortCode: String(shortCode) }).closingCents / 100),
      );
      const s: Settlement = {
        receipt: state.ids.receipt(),
        shortCode: String(shortCode),
        amount: balance,
        at: state.now(),
      };
      account.utility = Math.max(0, account.utility - balance);
      state.settlements.push(s);
      return s;
    },
    /**
     * Callbacks of these kinds (default: all) are recorded but not delivered until resumed: the
     * "wrong CallBackURL after a deploy" failure, seen from the app as callbacks that stop arriving.
     */
    stopCallbacks(kinds: string[] = ["*"]): string[] {
      return state.dispatcher.setStopped(kinds, true);
    },
    resumeCallbacks(kinds: string[] = ["*"]): string[] {
      return state.dispatcher.setStopped(kinds, false);
    },
    /** Pull Transactions answer forms and faults (emulator/README.md, "Pull Transactions"); merged, returns all. */
    setPullQuirks(q: Partial<PullQuirks>): PullQuirks {
      Object.assign(state.pullQuirks, q);
      if (q.expireTokensAfterPages !== undefined) state.pullPagesServed = 0;
      return { ...state.pullQuirks };
    },
    /** Every issued token stops working now (tests of the client's refresh-once rule). */
    expireTokens() {
      state.tokens.clear();
    },
    stats(): EmulatorStats {
      const records = state.dispatcher.records();
      return {
        ...structuredClone(state.stats),
        callbacksSent: records.length,
        callbacksFailed: records.filter((r) => r.status === null || r.status >= 400).length,
        pendingCallbacks: state.dispatcher.pending(),
      };
    },
    /** Resolves when no callback is scheduled or in flight (a "late" callback keeps it waiting). */
    idle: () => state.dispatcher.idle(),
    /** Forgets everything (and cancels unsent callbacks); issued tokens survive unless `tokens: true`. */
    reset(o: { tokens?: boolean } = {}) {
      state.dispatcher.cancelAll();
      const tokens = state.tokens;
      state = createState(opts);
      if (!o.tokens) state.tokens = tokens;
    },
  };

  async function http(method: string, path: string, query: URLSearchParams, body: unknown): Promise<Reply> {
    const b = (body ?? {}) as Record<string, any>;
    const route = `${method} ${path.replace(/\/+$/, "") || "/"}`;
    const balance = /^(GET|POST) \/balances\/(\d+)$/.exec(route);
    if (route === "GET /statement") return statementReply(query);
    if (route === "GET /certificate") {
      return { status: 200, body: EMULATOR_CERTIFICATE, contentType: "application/x-pem-file" };
    }
    try {
      if (balance) return ok(balance[1] === "GET" ? api.balances(balance[2]) : api.setBalances(balance[2], b));
      switch (route) {
        case "GET /":
          return ok({ endpoints: CONTROL_INDEX });
        case "GET /requests":
          return ok(api.requests({ path: query.get("path") ?? undefined }));
        case "GET /callbacks":
          return ok(api.callbacks({ kind: query.get("kind") ?? undefined }));
        case "POST /next-outcome":
          api.setNextOutcome(b as ForcedOutcome);
          return ok({ queued: state.forced });
        case "POST /endpoints":
          if (typeof b.path !== "string") throw new Error("path is required");
          return ok(api.setEndpoint(b.path, b));
        case "POST /c2b/pay":
          return ok(await api.c2bPay(parseCustomerPayment(b)));
        case "POST /c2b/validation":
          api.setC2bValidation(b.shortCode, b.enabled !== false);
          return ok({ shortCode: String(b.shortCode), enabled: b.enabled !== false });
        case "POST /tills":
          api.setTill(b.tillNumber, b.storeNumber);
          return ok({ tillNumber: String(b.tillNumber), storeNumber: String(b.storeNumber) });
        case "POST /c2b/version":
          api.setC2bVersion(b.shortCode, b.version ?? null);
          return ok({ shortCode: String(b.shortCode), version: b.version ?? null });
        case "POST /c2b/stk-echo":
          api.setC2bStkEcho(b.shortCode, b.enabled !== false);
          return ok({ shortCode: String(b.shortCode), enabled: b.enabled !== false });
        case "POST /rules":
          return ok(api.setRules(b));
        case "POST /settle":
          if (b.shortCode === undefined) throw new Error("shortCode is required");
          return ok(api.settle(b.shortCode));
        case "POST /callbacks/stop":
          return ok({ stopped: api.stopCallbacks(kindsOf(b.kinds)) });
        case "POST /callbacks/resume":
          return ok({ stopped: api.resumeCallbacks(kindsOf(b.kinds)) });
        case "POST /pull/quirks":
          return ok(api.setPullQuirks(b as Partial<PullQuirks>));
        case "POST /tokens/expire":
          api.expireTokens();
          return ok({ expired: true });
        case "GET /stats":
          return ok(api.stats());
        case "GET /idle":
          await api.idle();
          return ok({ idle: true });
        case "POST /reset":
          api.reset({ tokens: b.tokens === true });
          return ok({ reset: true });
        default:
          return { status: 404, body: { error: `unknown control route ${route}`, endpoints: CONTROL_INDEX } };
      }
    } catch (err) {
      return { status: 400, body: { error: err instanceof Error ? err.message : String(err) } };
    }
  }

  async function statementReply(q: URLSearchParams): Promise<Reply> {
    try {
      const shortCode = q.get("shortCode");
      if (!shortCode || !/^\d{4,8}$/.test(shortCode)) throw new Error("shortCode is required (digits)");
      const format = (q.get("format") ?? "csv") as "csv" | "xlsx";
      if (format !== "csv" && format !== "xlsx") throw new Error("format must be csv or xlsx");
      const num = (k: string) => (q.get(k) === null ? undefined : Number(q.get(k)));
      const time = (k: string) => (q.get(k) === null ? undefined : Date.parse(q.get(k)!));
      const faults: StatementFaults = {
        totalsOffKes: num("totalsOffKes"),
        truncateAt: num("truncateAt"),
        shortCode: q.get("otherShortCode") ?? undefined,
        duplicateRows: num("duplicateRows"),
        monthFirst: q.get("monthFirst") === "1" || q.get("monthFirst") === "true",
        formula: q.get("formula") === "1" || q.get("formula") === "true",
      };
      const bytes = await api.statement({ shortCode, format, from: time("from"), to: time("to"), faults });
      return {
        status: 200,
        body: bytes,
        contentType:
          format === "csv"
            ? "text/csv;charset=UTF-8"
            : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers: { "content-disposition": `attachment; filename="ORG_${shortCode}_Statement.${format}"` },
      };
    } catch (err) {
      return { status: 400, body: { error: err instanceof Error ? err.message : String(err) } };
    }
  }

  return { api, http, current: () => state };
}

const ok = (body: unknown): Reply => ({ status: 200, body });

function kindsOf(kinds: unknown): string[] {
  if (kinds === undefined) return ["*"];
  if (!Array.isArray(kinds) || !kinds.every((k) => typeof k === "string" && k.length > 0))
    throw new Error("kinds must be a list of callback kinds (stk, c2b, b2c:result, …) or absent for all");
  return kinds;
}

const CONTROL_INDEX = [
  "GET /__emulator/requests?path=",
  "GET /__emulator/callbacks?kind=",
  "POST /__emulator/next-outcome {api, outcome?|resultCode?, delivery?, queueTimeout?}",
  "POST /__emulator/endpoints {path, latencyMs?, failTimes?, failStatus?: 500|503}",
  "POST /__emulator/c2b/pay {shortCode, amount, msisdn, billRef?, kind?: paybill|till, msisdnStyle?: v1|v2, typo?, confirmation?: normal|none}",
  "POST /__emulator/c2b/stk-echo {shortCode, enabled}",
  "POST /__emulator/c2b/validation {shortCode, enabled}",
  "POST /__emulator/tills {tillNumber, storeNumber}",
  "POST /__emulator/c2b/version {shortCode, version: v1|v2|null}",
  "POST /__emulator/rules {sameAmountWithin2Minutes?, subscriberLock?}",
  "GET|POST /__emulator/balances/:shortCode {working?, utility?, charges?}",
  "GET /__emulator/statement?shortCode=&format=csv|xlsx&from=&to=&totalsOffKes=&truncateAt=&otherShortCode=&duplicateRows=&monthFirst=1&formula=1",
  "POST /__emulator/settle {shortCode}",
  "POST /__emulator/callbacks/stop {kinds?: [stk|c2b|b2c:result|…]} (default all)",
  "POST /__emulator/callbacks/resume {kinds?}",
  "POST /__emulator/pull/quirks",
  "POST /__emulator/tokens/expire",
  "GET /__emulator/certificate (PEM: encrypt initiator passwords with it)",
  "GET /__emulator/stats",
  "GET /__emulator/idle",
  "POST /__emulator/reset {tokens?: true}",
];
