import {
  getNamedType,
  getNullableType,
  isAbstractType,
  isLeafType,
  isListType,
  isObjectType,
  Kind,
  valueFromASTUntyped,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";

// Shopify's calculated query cost, from the published rules (GraphQL Admin API rate limits):
//   scalar / enum 0; object 1; interface / union: the most expensive of the possible selections;
//   connection: 2 + (first | last) × the cost of one node (pageInfo and other connection fields once);
//   mutation: 10 per mutation field (its payload included).
// The requested cost sizes connections by their `first`/`last` argument; the actual cost by the nodes
// that came back, and charges nothing below an object that came back null.
// Assumptions where the rules say nothing: a list field sized by `first`/`last` that is not a
// connection (Order.transactions) costs size × one element, without the connection's 2; an unsized
// list costs one element when requested, and each returned element when actual.

export const MUTATION_COST = 10;
export const CONNECTION_COST = 2;
/** Shopify refuses a query whose requested cost is above this before running it. */
export const MAX_QUERY_COST = 1000;

interface Ctx {
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

/** Fields of `selection` that apply to the concrete type, fragments expanded, by response key. */
function fieldsFor(ctx: Ctx, selection: SelectionSetNode, type: GraphQLObjectType, out: FieldNode[] = []): FieldNode[] {
  for (const node of selection.selections) {
    if (node.kind === Kind.FIELD) out.push(node);
    else {
      const fragment = node.kind === Kind.INLINE_FRAGMENT ? node : ctx.fragments[node.name.value];
      if (!fragment) continue;
      const condition = fragment.typeCondition?.name.value;
      const applies = !condition || condition === type.name || type.getInterfaces().some((i) => i.name === condition);
      if (applies) fieldsFor(ctx, fragment.selectionSet, type, out);
    }
  }
  return out;
}

function concreteTypes(ctx: Ctx, type: GraphQLCompositeType): readonly GraphQLObjectType[] {
  return isAbstractType(type) ? ctx.schema.getPossibleTypes(type) : isObjectType(type) ? [type] : [];
}

function sizeArgument(ctx: Ctx, node: FieldNode): number | null {
  for (const arg of node.arguments ?? []) {
    if (arg.name.value !== "first" && arg.name.value !== "last") continue;
    const value = valueFromASTUntyped(arg.value, ctx.variables);
    if (typeof value === "number") return Math.max(0, value);
  }
  return null;
}

const isConnection = (type: unknown) =>
  isObjectType(type) &&
  type.name.endsWith("Connection") &&
  ("edges" in type.getFields() || "nodes" in type.getFields());

type Data = Record<string, unknown> | null | undefined;

/**
 * Cost of a selection on `type`. With `data === undefined` it is the requested cost; with the data
 * that came back it is the actual cost.
 */
function selectionCost(
  ctx: Ctx,
  selection: SelectionSetNode,
  type: GraphQLCompositeType,
  data: Data | undefined,
): number {
  let worst = 0;
  for (const concrete of concreteTypes(ctx, type)) {
    if (data && typeof data.__typename === "string" && data.__typename !== concrete.name) continue;
    let sum = 0;
    for (const node of fieldsFor(ctx, selection, concrete)) {
      const field = concrete.getFields()[node.name.value];
      if (!field) continue; // __typename and friends
      const key = node.alias?.value ?? node.name.value;
      sum += fieldCost(ctx, node, field, data === undefined ? undefined : (data?.[key] as unknown));
    }
    worst = Math.max(worst, sum);
  }
  return worst;
}

function fieldCost(ctx: Ctx, node: FieldNode, field: GraphQLField<unknown, unknown>, value: unknown): number {
  const named = getNamedType(field.type);
  if (isLeafType(named) || !node.selectionSet) return 0;
  const requested = value === undefined;
  if (!requested && value === null) return 1;
  if (isConnection(named)) return connectionCost(ctx, node, named as GraphQLObjectType, value as Data);
  if (isListType(getNullableType(field.type))) {
    const element = (v: unknown) =>
      v === null ? 0 : 1 + selectionCost(ctx, node.selectionSet!, named as GraphQLCompositeType, v as Data);
    if (requested) return (sizeArgument(ctx, node) ?? 1) * element(undefined);
    return (value as unknown[]).reduce<number>((s, v) => s + element(v), 0);
  }
  return 1 + selectionCost(ctx, node.selectionSet, named as GraphQLCompositeType, value as Data);
}

/** 2 + nodes × one node's cost; edges/nodes are the node wrappers, everything else (pageInfo) once. */
function connectionCost(ctx: Ctx, node: FieldNode, type: GraphQLObjectType, value: Data | undefined): number {
  const requested = value === undefined;
  let cost = CONNECTION_COST;
  for (const sub of fieldsFor(ctx, node.selectionSet!, type)) {
    const field = type.getFields()[sub.name.value];
    if (!field || !sub.selectionSet) continue;
    const key = sub.alias?.value ?? sub.name.value;
    const subValue = requested ? undefined : (value?.[key] as unknown);
    if (sub.name.value === "nodes" || sub.name.value === "edges") {
      const elementType = getNamedType(field.type) as GraphQLObjectType;
      const perElement = (v: unknown) =>
        sub.name.value === "nodes"
          ? v === null
            ? 0
            : 1 + selectionCost(ctx, sub.selectionSet!, elementType, v as Data)
          : selectionCost(ctx, sub.selectionSet!, elementType, v as Data); // an edge: its node is the object
      cost += requested
        ? (sizeArgument(ctx, node) ?? 1) * perElement(undefined)
        : ((subValue as unknown[] | null) ?? []).reduce<number>((s, v) => s + perElement(v), 0);
    } else {
      cost += fieldCost(ctx, sub, field, subValue);
    }
  }
  return cost;
}

export interface QueryCost {
  requested: number;
  /** null until the query ran (throttled or refused queries have no actual cost) */
  actual: (data: unknown) => number;
}

/** Requested cost of an operation, and a function giving its actual cost from the answer's data. */
export function operationCost(
  schema: GraphQLSchema,
  op: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): QueryCost {
  const ctx: Ctx = { schema, fragments, variables };
  if (op.operation === "mutation") {
    const fields = op.selectionSet.selections.filter((s) => s.kind === Kind.FIELD && !s.name.value.startsWith("__"));
    const cost = MUTATION_COST * Math.max(1, fields.length);
    return { requested: cost, actual: () => cost };
  }
  const root = op.operation === "subscription" ? schema.getSubscriptionType() : schema.getQueryType();
  if (!root) return { requested: 1, actual: () => 1 };
  return {
    requested: selectionCost(ctx, op.selectionSet, root, undefined),
    actual: (data) => (data && typeof data === "object" ? selectionCost(ctx, op.selectionSet, root, data as Data) : 0),
  };
}
