// Extracts the Shopify Admin GraphQL schema (introspection JSON) that ships inside the npm package
// @shopify/dev-mcp. We do not install that package (it drags in the Shopify CLI and React 19);
// `npm pack` fetches only its tarball from the registry. The schema is used to validate every GraphQL
// document the app sends (tests) and by the local Shopify Admin stand-in.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const VERSION = "1.16.0";
const API = "2026-07";
const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const dest = path.join(root, "shopify-standin", "schema", `admin_${API}.json.gz`);
if (fs.existsSync(dest)) process.exit(0);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dev-mcp-"));
try {
  execFileSync("npm", ["pack", `@shopify/dev-mcp@${VERSION}`, "--silent"], {
    cwd: tmp,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const tgz = fs.readdirSync(tmp).find((f) => f.endsWith(".tgz"));
  execFileSync("tar", ["xzf", tgz, `package/dist/data/admin_${API}.json.gz`], { cwd: tmp });
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.copyFileSync(path.join(tmp, "package", "dist", "data", `admin_${API}.json.gz`), dest);
  console.log(`Admin GraphQL schema ${API} extracted from @shopify/dev-mcp@${VERSION}`);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
