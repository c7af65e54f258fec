import {
  execute,
  getOperationAST,
  GraphQLError,
  parse,
  validate,
  visit,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from "graphql";
import type { Faults } from "./faults";
import { strictFieldResolver, rootValue } from "./root";
import { adminSchema } from "./admin-schema";
import type { StandinState } from "./state";

// POST /<shop>/admin/api/<version>/graphql.json, answered like Shopify: 401 for a wrong token,
// HTTP 200 + `errors` for documents the real schema rejects, `extensions.cost` on every answer.

export interface RecordedRequest {
  at: string;
  shop: string;
  apiVersion: string;
  operationName: string | null;
  operationType: "query" | "mutation" | "subscription" | null;
  variables: Record<string, unknown>;
  /** ok | rejected (invalid document or variables) | faulted (injected failure) | unauthorized */
  outcome: "ok" | "rejected" | "faulted" | "unauthorized";
  httpStatus: number;
  query: string;
  data?: unknown;
  errors?: unknown[];
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

const MAX_AVAILABLE = 2000;
const RESTORE_RATE = 100;

export const INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)";

/** graphql-js message -> the graphql-ruby style code Shopify puts in extensions.code. */
function errorCode(message: string): string {
  if (/^Syntax Error/.test(message)) return "parseError";
  if (/^Cannot query field/.test(message)) return "undefinedField";
  if (/^Unknown argument/.test(message)) return "argumentNotAccepted";
  if (/argument .* is required/.test(message)) return "missingRequiredArguments";
  if (/^Unknown type/.test(message)) return "undefinedType";
  if (/^Variable/.test(message)) return "variableMismatch";
  if (/must have a selection of subfields|must not have a selection/.test(message)) return "selectionMismatch";
  return "validationError";
}

const shopifyError = (e: GraphQLError, code?: string) => ({
  message: e.message,
  ...(e.locations ? { locations: e.locations } : {}),
  ...(e.path ? { path: e.path } : {}),
  extensions: { code: code ?? errorCode(e.message) },
});

/** Rough Shopify cost: 1 per object selected, mutations 10. Good enough for a throttle status. */
function queryCost(op: OperationDefinitionNode): number {
  let objects = 0;
  visit(op.selectionSet, { Field: (node) => void (node.selectionSet && objects++) });
  return (op.operation === "mutation" ? 10 : 0) + Math.max(1, objects);
}

const costExtension = (requested: number, available: number) => ({
  cost: {
    requestedQueryCost: requested,
    actualQueryCost: available === 0 ? null : requested,
    throttleStatus: { maximumAvailable: MAX_AVAILABLE, currentlyAvailable: available, restoreRate: RESTORE_RATE },
  },
});

// Validating against the 11 MB Admin schema costs milliseconds; apps send the same few documents.
const validations = new Map<string, readonly GraphQLError[]>();
function validated(schema: GraphQLSchema, query: string, document: DocumentNode): readonly GraphQLError[] {
  let errors = validations.get(query);
  if (!errors) {
    errors = validate(schema, document);
    if (validations.size > 500) validations.clear();
    validations.set(query, errors);
  }
  return errors;
}

export function answerGraphql(
  deps: { state: StandinState; faults: Faults; record: (r: RecordedRequest) => void },
  req: { shop: string; apiVersion: string; token: string | undefined; body: any },
): Answer {
  const { state, faults, record } = deps;
  const query = typeof req.body?.query === "string" ? req.body.query : "";
  const variables = (req.body?.variables ?? {}) as Record<string, unknown>;
  const base = { at: new Date().toISOString(), shop: req.shop, apiVersion: req.apiVersion, variables, query };

  if (!req.token || state.shops.get(req.shop) !== req.token) {
    record({ ...base, operationName: null, operationType: null, outcome: "unauthorized", httpStatus: 401 });
    return { status: 401, body: { errors: INVALID_TOKEN } };
  }

  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (e) {
    const errors = [shopifyError(e as GraphQLError, "parseError")];
    record({ ...base, operationName: null, operationType: null, outcome: "rejected", httpStatus: 200, errors });
    return { status: 200, body: { errors } };
  }
  const op = getOperationAST(document, req.body?.operationName ?? undefined);
  const operationName = op?.name?.value ?? null;
  const operationType = op?.operation ?? null;
  const cost = op ? queryCost(op) : 1;
  const entry = { ...base, operationName, operationType };

  const fault = faults.take(operationType ?? undefined, operationName ?? undefined);
  if (fault) {
    record({ ...entry, outcome: "faulted", httpStatus: fault.type === "throttled" ? 200 : Number(fault.type) });
    if (fault.type === "429") {
      return {
        status: 429,
        headers: { "Retry-After": String(fault.retryAfterSeconds ?? 2) },
        body: { errors: "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service." },
      };
    }
    if (fault.type === "503") return { status: 503, body: { errors: "Service Unavailable" } };
    return {
      status: 200,
      body: {
        errors: [{ message: "Throttled", extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" } }],
        extensions: costExtension(cost, 0),
      },
    };
  }

  const schema = adminSchema();
  const invalid = validated(schema, query, document);
  if (invalid.length) {
    const errors = invalid.map((e) => shopifyError(e));
    record({ ...entry, outcome: "rejected", httpStatus: 200, errors });
    return { status: 200, body: { errors } };
  }

  // Every resolver here is synchronous, so execute() returns a plain result.
  const result = execute({
    schema,
    document,
    variableValues: variables,
    operationName: req.body?.operationName ?? undefined,
    rootValue: rootValue(state, req.shop),
    fieldResolver: strictFieldResolver,
  }) as { data?: unknown; errors?: readonly GraphQLError[] };
  const errors = result.errors?.map((e) => shopifyError(e, e.path ? "INTERNAL_SERVER_ERROR" : "INVALID_VARIABLE"));
  const rejected = !("data" in result) || result.data === undefined;
  record({ ...entry, outcome: rejected ? "rejected" : "ok", httpStatus: 200, data: result.data, errors });
  const body: Record<string, unknown> = {};
  if (errors) body.errors = errors;
  if (!rejected) body.data = result.data;
  body.extensions = costExtension(cost, MAX_AVAILABLE - cost);
  return { status: 200, body };
}
