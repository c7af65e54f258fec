import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { buildClientSchema, type GraphQLSchema } from "graphql";

// The real Admin API schema (introspection JSON shipped in @shopify/dev-mcp, extracted at install by
// scripts/fetch-admin-schema.mjs). Loading it takes ~1 s, so it is built once per process.

export const ADMIN_API_VERSION = "2026-07";
const SCHEMA_FILE = path.join(
  path.dirname(new URL(import.meta.url).pathname),
  "schema",
  `admin_${ADMIN_API_VERSION}.json.gz`,
);

let cached: GraphQLSchema | undefined;

export function adminSchema(): GraphQLSchema {
  if (cached) return cached;
  if (!fs.existsSync(SCHEMA_FILE)) {
    throw new Error(`Admin schema missing at ${SCHEMA_FILE}: run \`node scripts/fetch-admin-schema.mjs\``);
  }
  const json = JSON.parse(zlib.gunzipSync(fs.readFileSync(SCHEMA_FILE)).toString("utf8"));
  cached = buildClientSchema(json.data);
  return cached;
}
