import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./support/databases";

// The payments and jobs modules are business code: the app framework (Remix, the Shopify app
// library and its composition root) stays in routes and app/lib, so use cases run anywhere.

const FRAMEWORK = /from\s+["'](~\/shopify\.server|[./]*\.\.\/shopify\.server|@remix-run\/[^"']+|@shopify\/shopify-app-remix[^"']*)["']/;

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

describe("module boundaries", () => {
  it("payments and jobs import neither Remix nor the Shopify app library", () => {
    const files = ["app/modules/payments", "app/modules/jobs"].flatMap((d) => sources(path.join(ROOT, d)));
    expect(files.length).toBeGreaterThan(10);
    const offenders = files.filter((f) => FRAMEWORK.test(fs.readFileSync(f, "utf8"))).map((f) => path.relative(ROOT, f));
    expect(offenders).toEqual([]);
  });

  it("the pattern catches the imports it is meant to catch", () => {
    expect(FRAMEWORK.test(`import { authenticate } from "~/shopify.server";`)).toBe(true);
    expect(FRAMEWORK.test(`import { json } from "@remix-run/node";`)).toBe(true);
    expect(FRAMEWORK.test(`import { logger } from "~/lib/logger.server";`)).toBe(false);
  });
});
