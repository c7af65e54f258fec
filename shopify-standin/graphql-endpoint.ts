import {
  execute,
  getOperationAST,
  type GraphQLError,
  parse,
  validate,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from "graphql";
import { MAX_QUERY_COST, operationCost } from "./cost";
import type { Faults } from "./faults";
import { strictFieldResolver, rootValue } from "./root";
import { adminSchema } from "./admin-schema";
import type { StandinState } from "./state";
import type { Throttles, ThrottleStatus } from "./throttle";

// POST /<shop>/admin/api/<version>/graphql.json, answered like Shopify: 401 for a wrong token,
// HTTP 200 + `errors` for documents the real schema rejects, `extensions.cost` on every answer.

export interface RecordedRequest {
  at: string;
  shop: string;
  apiVersion: string;
  operationName: string | null;
  operationType: "query" | "mutation" | "subscription" | null;
  variables: Record<string, unknown>;
  /** ok | rejected (invalid document or variables, too costly) | throttled (the shop's bucket could not
   * cover the requested cost) | faulted (injected failure) | unauthorized */
  outcome: "ok" | "rejected" | "throttled" | "faulted" | "unauthorized";
  /** calculated cost, for answers that were costed (actual is null when the query did not run) */
  cost?: { requested: number; actual: number | null };
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

const THROTTLED_ERROR = {
  message: "Throttled",
  extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" },
};

const costExtension = (requested: number, actual: number | null, throttleStatus: ThrottleStatus) => ({
  cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus },
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
  deps: { state: StandinState; faults: Faults; throttles: Throttles; record: (r: RecordedRequest) => void },
  req: { shop: string; apiVersion: string; token: string | undefined; body: any },
): Answer {
  const { state, faults, throttles, record } = deps;
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
  const entry = { ...base, operationName, operationType };

  const fault = faults.take(operationType ?? undefined, operationName ?? undefined);
  if (fault) {
    record({ ...entry, outcome: "faulted", httpStatus: fault.type === "throttled" ? 200 : Number(fault.type) });
    if (fault.type === "429") {
      return {
        status: 429,
        headers: { "Retry-After": String(fault.retryAfterSeconds ?? 2) },
        body: {
          errors: "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.",
        },
      };
    }
    if (fault.type === "503") return { status: 503, body: { errors: "Service Unavailable" } };
    const status = { ...throttles.status(req.shop), currentlyAvailable: 0 };
    return {
      status: 200,
      body: {
        errors: [THROTTLED_ERROR],
        extensions: costExtension(op ? requestedCost(op, document, variables) : 1, null, status),
      },
    };
  }

  const schema = adminSchema();
  const invalid = validated(schema, query, document);
  if (invalid.length || !op) {
    const errors = invalid.length
      ? invalid.map((e) => shopifyError(e))
      : [{ message: "No operation to run", extensions: { code: "validationError" } }];
    record({ ...entry, outcome: "rejected", httpStatus: 200, errors });
    return { status: 200, body: { errors } };
  }

  // Costed before it runs, refused when too costly or when the shop's bucket cannot cover it.
  const cost = operationCost(schema, op, fragmentsOf(document), variables);
  if (cost.requested > MAX_QUERY_COST) {
    const errors = [
      {
        message: `Query cost is ${cost.requested}, which exceeds the single query max cost limit (${MAX_QUERY_COST}).`,
        extensions: { code: "MAX_COST_EXCEEDED", cost: cost.requested, maxCost: MAX_QUERY_COST },
      },
    ];
    record({
      ...entry,
      outcome: "rejected",
      httpStatus: 200,
      errors,
      cost: { requested: cost.requested, actual: null },
    });
    return {
      status: 200,
      body: { errors, extensions: costExtension(cost.requested, null, throttles.status(req.shop)) },
    };
  }
  if (!throttles.take(req.shop, cost.requested)) {
    const errors = [THROTTLED_ERROR];
    record({
      ...entry,
      outcome: "throttled",
      httpStatus: 200,
      errors,
      cost: { requested: cost.requested, actual: null },
    });
    return {
      status: 200,
      body: { errors, extensions: costExtension(cost.requested, null, throttles.status(req.shop)) },
    };
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
  const actual = rejected ? 0 : Math.min(cost.requested, cost.actual(result.data));
  throttles.refund(req.shop, cost.requested - actual);
  record({
    ...entry,
    outcome: rejected ? "rejected" : "ok",
    httpStatus: 200,
    data: result.data,
    errors,
    cost: { requested: cost.requested, actual },
  });
  const body: Record<string, unknown> = {};
  if (errors) body.errors = errors;
  if (!rejected) body.data = result.data;
  body.extensions = costExtension(cost.requested, actual, throttles.status(req.shop));
  return { status: 200, body };
}

const fragmentsOf = (document: DocumentNode): Record<string, FragmentDefinitionNode> =>
  Object.fromEntries(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );

/** For a forced THROTTLED answer to a document that may not even be valid. */
function requestedCost(
  op: OperationDefinitionNode,
  document: DocumentNode,
  variables: Record<string, unknown>,
): number {
  try {
    return operationCost(adminSchema(), op, fragmentsOf(document), variables).requested;
  } catch {
    return 1;
  }
}
