import fs from "node:fs";
import path from "node:path";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { apiVersion } from "../app/shopify.server";

// The extensions' TOML files are deployed by the Shopify CLI, not read by the app: these checks keep
// them consistent with each other, with shopify.app.toml, and with what CI type-checks and tests.

const ROOT = path.resolve(__dirname, "..");
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");
const appToml = parse(read("shopify.app.toml")) as { access_scopes: { scopes: string } };

interface ExtensionToml {
  api_version?: string;
  extensions: {
    type: string;
    handle: string;
    name: string;
    targeting?: { target: string; module: string }[];
  }[];
  settings?: { fields?: { type: string; key?: string }[] };
}
const extensions = fs
  .readdirSync(path.join(ROOT, "extensions"), { withFileTypes: true })
  .filter((e) => e.isDirectory() && fs.existsSync(path.join(ROOT, "extensions", e.name, "shopify.extension.toml")))
  .map((e) => ({
    dir: e.name,
    toml: parse(read(`extensions/${e.name}/shopify.extension.toml`)) as unknown as ExtensionToml,
  }));
const uiExtensions = extensions.filter((e) => e.toml.extensions.some((x) => x.type === "ui_extension"));

describe("extension TOML files", () => {
  it("handles are unique across the app and follow Shopify's rules", () => {
    const handles = extensions.flatMap((e) => e.toml.extensions.map((x) => x.handle));
    expect(new Set(handles).size).toBe(handles.length);
    for (const handle of handles) expect(handle).toMatch(/^[a-z0-9][a-z0-9-]{0,29}$/);
  });

  it("UI extensions are on the app's API version (the tester requires it) with existing modules", () => {
    expect(uiExtensions.map((e) => e.dir).sort()).toEqual(["admin-order-block", "checkout-ui"]);
    for (const { dir, toml } of uiExtensions) {
      expect(toml.api_version, dir).toBe(apiVersion);
      for (const ext of toml.extensions)
        for (const t of ext.targeting ?? [])
          expect(fs.existsSync(path.join(ROOT, "extensions", dir, t.module)), t.module).toBe(true);
    }
    const admin = uiExtensions.find((e) => e.dir === "admin-order-block")!.toml.extensions[0]!;
    expect(admin.targeting?.map((t) => t.target)).toEqual(["admin.order-details.block.render"]);
  });

  it("each UI extension pins the same @shopify/ui-extensions as the tester, and CI type-checks and tests it", () => {
    const root = JSON.parse(read("package.json")) as {
      scripts: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const tester = root.devDependencies["@shopify/ui-extensions-tester"];
    const testScript = read("scripts/test.mjs");
    const vitestConfig = read("vitest.config.ts");
    for (const { dir } of uiExtensions) {
      const pkg = JSON.parse(read(`extensions/${dir}/package.json`)) as { dependencies: Record<string, string> };
      expect(pkg.dependencies["@shopify/ui-extensions"], dir).toBe(tester);
      const tsconfig = `extensions/${dir}/tsconfig.json`;
      expect(fs.existsSync(path.join(ROOT, tsconfig))).toBe(true);
      expect(root.scripts.typecheck).toContain(`tsc -p ${tsconfig}`);
      expect(testScript).toContain(`"${tsconfig}"`);
      expect(vitestConfig).toContain(`"extensions/${dir}/**/*.test.{ts,tsx}"`);
    }
  });

  it("Flow triggers reference only what the app's scopes can read", () => {
    const scopes = appToml.access_scopes.scopes.split(",");
    const needs: Record<string, string> = {
      order_reference: "read_orders",
      customer_reference: "read_customers",
      product_reference: "read_products",
    };
    const triggers = extensions.filter((e) => e.toml.extensions.some((x) => x.type === "flow_trigger"));
    expect(triggers.length).toBe(2);
    for (const { toml } of triggers) {
      for (const field of toml.settings?.fields ?? []) {
        if (needs[field.type]) expect(scopes).toContain(needs[field.type]);
      }
    }
  });
});
