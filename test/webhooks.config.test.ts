import fs from "node:fs";
import path from "node:path";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { parseEnv } from "../app/lib/env.server";
import { apiVersion } from "../app/shopify.server";

// shopify.app.toml is deployed by the Shopify CLI, not read by the app: these checks keep it in step
// with the code it describes.

const ROOT = path.resolve(__dirname, "..");
const appToml = parse(fs.readFileSync(path.join(ROOT, "shopify.app.toml"), "utf8")) as {
  embedded: boolean;
  access_scopes: { scopes: string };
  webhooks: { api_version: string; subscriptions: { topics?: string[]; compliance_topics?: string[]; uri: string }[] };
};
const webToml = parse(fs.readFileSync(path.join(ROOT, "shopify.web.toml"), "utf8")) as {
  webhooks_path: string;
  roles: string[];
};

/** Remix flat routes: /webhooks/app/uninstalled is app/routes/webhooks.app.uninstalled.tsx (or a folder route). */
function routeFileFor(uri: string): string | undefined {
  const name = uri.replace(/^\//, "").split("/").join(".");
  return [`${name}.tsx`, `${name}.ts`, `${name}/route.tsx`, `${name}/route.ts`]
    .map((candidate) => path.join(ROOT, "app", "routes", candidate))
    .find((file) => fs.existsSync(file));
}

describe("shopify.app.toml", () => {
  it("subscribes webhooks with the app's Admin API version", () => {
    expect(appToml.webhooks.api_version).toBe(apiVersion);
  });

  it("asks for the scopes the app is configured with", () => {
    const defaults = parseEnv({
      SHOPIFY_API_KEY: "k",
      SHOPIFY_API_SECRET: "s",
      SHOPIFY_APP_URL: "https://a.example",
      ENCRYPTION_KEY: Buffer.alloc(32).toString("base64"),
    });
    expect(appToml.access_scopes.scopes).toBe(defaults.SCOPES);
    expect(appToml.embedded).toBe(true);
  });

  it("subscribes the lifecycle, order and compliance topics", () => {
    const topics = appToml.webhooks.subscriptions.flatMap((s) => [...(s.topics ?? []), ...(s.compliance_topics ?? [])]);
    expect(topics.sort()).toEqual(
      [
        "app/scopes_update",
        "app/uninstalled",
        "customers/data_request",
        "customers/redact",
        "orders/cancelled",
        "orders/create",
        "shop/redact",
      ].sort(),
    );
  });

  it("sends every subscription to a route that exists and has an action", async () => {
    for (const { uri } of appToml.webhooks.subscriptions) {
      const file = routeFileFor(uri);
      expect(file, `no route file for ${uri}`).toBeDefined();
      const route = await import(file!);
      expect(typeof route.action, `${uri} has no action`).toBe("function");
    }
  });
});

describe("shopify.web.toml", () => {
  it("serves both roles and points the CLI's uninstall webhook at a real route", () => {
    expect(webToml.roles.sort()).toEqual(["backend", "frontend"]);
    expect(routeFileFor(webToml.webhooks_path)).toBeDefined();
    expect(appToml.webhooks.subscriptions.some((s) => s.uri === webToml.webhooks_path)).toBe(true);
  });
});
