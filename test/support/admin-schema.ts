import { getOperationAST, parse, validate } from "graphql";
import { adminSchema } from "../../shopify-standin/admin-schema";

// For any test that owns Admin GraphQL documents: `assertValidAdminDocument(MY_QUERY)` fails with
// Shopify-schema errors (2026-07) when a field, argument or type is wrong, or the operation is unnamed.

export function assertValidAdminDocument(document: string, label = "document"): void {
  const ast = parse(document);
  const errors = validate(adminSchema(), ast).map((e) => e.message);
  for (const def of ast.definitions) {
    if (def.kind === "OperationDefinition" && !def.name) errors.push("every operation needs a name");
  }
  if (!getOperationAST(ast)) errors.push("expected exactly one operation");
  if (errors.length)
    throw new Error(`${label} is not valid against the Admin ${"2026-07"} schema:\n  ${errors.join("\n  ")}`);
}

/** True when a string export looks like a GraphQL document (for generic scans of documents modules). */
export const looksLikeGraphqlDocument = (value: unknown): value is string =>
  typeof value === "string" && /^\s*(#graphql\s*)?(query|mutation|subscription|fragment)\b/.test(value);
