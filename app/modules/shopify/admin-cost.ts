import { Kind, parse, valueFromASTUntyped, type DocumentNode, type FieldNode, type SelectionSetNode } from "graphql";

// What an Admin GraphQL document will cost before Shopify has told us (its answer's
// requestedQueryCost is used from then on). Shopify's published rules: objects 1, scalars and enums
// 0, connections 2 + first/last × one node, mutations 10. Without the schema a field with a selection
// is taken for an object, every fragment is counted (an interface costs its dearest possibility, so
// the sum is never below it) and a sized list is charged like a connection: never an underestimate
// for the documents the app sends (test/shopify-pacing.test.ts checks against the stand-in).

const MUTATION_COST = 10;

function sizeOf(node: FieldNode, variables: Record<string, unknown>): number | null {
  for (const arg of node.arguments ?? []) {
    if (arg.name.value !== "first" && arg.name.value !== "last") continue;
    const value = valueFromASTUntyped(arg.value, variables);
    if (typeof value === "number") return Math.max(0, value);
  }
  return null;
}

function selectionCost(doc: DocumentNode, set: SelectionSetNode, variables: Record<string, unknown>): number {
  let sum = 0;
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) {
      if (!sel.selectionSet) continue;
      const size = sizeOf(sel, variables);
      sum +=
        size === null
          ? 1 + selectionCost(doc, sel.selectionSet, variables)
          : 2 + size * (1 + nodeCost(doc, sel.selectionSet, variables));
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      sum += selectionCost(doc, sel.selectionSet, variables);
    } else {
      const fragment = doc.definitions.find(
        (d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === sel.name.value,
      );
      if (fragment && fragment.kind === Kind.FRAGMENT_DEFINITION)
        sum += selectionCost(doc, fragment.selectionSet, variables);
    }
  }
  return sum;
}

/** Inside a connection: `edges { node { … } }` and `nodes { … }` are one node; anything else counts in full. */
function nodeCost(doc: DocumentNode, set: SelectionSetNode, variables: Record<string, unknown>): number {
  let sum = 0;
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD && (sel.name.value === "edges" || sel.name.value === "nodes") && sel.selectionSet) {
      sum +=
        sel.name.value === "edges"
          ? nodeCost(doc, sel.selectionSet, variables)
          : selectionCost(doc, sel.selectionSet, variables);
    } else if (sel.kind === Kind.FIELD && sel.name.value === "node" && sel.selectionSet) {
      sum += selectionCost(doc, sel.selectionSet, variables);
    } else {
      sum += selectionCost(doc, { kind: Kind.SELECTION_SET, selections: [sel] }, variables);
    }
  }
  return sum;
}

/** An upper estimate of the requested cost of `document` (1 when it cannot be parsed: Shopify will say). */
export function estimateQueryCost(document: string, variables: Record<string, unknown> = {}): number {
  let doc: DocumentNode;
  try {
    doc = parse(document);
  } catch {
    return 1;
  }
  const op = doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (!op || op.kind !== Kind.OPERATION_DEFINITION) return 1;
  if (op.operation === "mutation") {
    return MUTATION_COST * Math.max(1, op.selectionSet.selections.filter((s) => s.kind === Kind.FIELD).length);
  }
  return Math.max(1, selectionCost(doc, op.selectionSet, variables));
}
