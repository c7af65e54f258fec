import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./support/databases";

// Import boundaries are checked by dependency-cruiser (.dependency-cruiser.cjs, `npm run lint:deps`), which
// follows indirect, dynamic and type-only imports. These tests run it the way `npm test` does and prove the
// rules bite on an indirect violation — the kind the old direct-imports-only check let through.

type Violation = { rule: { name: string }; from: string; to: string };

function cruise(args: string[]): Violation[] {
  let out: string;
  try {
    out = execFileSync(
      path.join(ROOT, "node_modules", ".bin", "depcruise"),
      [...args, "--config", ".dependency-cruiser.cjs", "--output-type", "json"],
      {
        cwd: ROOT,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
      },
    );
  } catch (error) {
    out = (error as { stdout: string }).stdout; // exit code 1 when violations are found
  }
  return JSON.parse(out).summary.violations as Violation[];
}

describe("module boundaries (dependency-cruiser)", () => {
  it("the app, the emulator, the stand-in, scripts and benches have no violations", () => {
    expect(cruise(["app", "emulator", "shopify-standin", "scripts", "bench", "packages"])).toEqual([]);
  });

  it("an indirect path from a business module to the Shopify app library is caught", () => {
    const dir = fs.mkdtempSync(path.join(ROOT, "app", "modules", "payments", ".boundary-probe-"));
    try {
      // payments → a helper in payments → ~/shopify.server: two hops, no direct framework import.
      fs.writeFileSync(path.join(dir, "helper.ts"), `export { unauthenticated } from "~/shopify.server";\n`);
      fs.writeFileSync(
        path.join(dir, "use-case.ts"),
        `import { unauthenticated } from "./helper";\nexport const u = unauthenticated;\n`,
      );
      const names = cruise([path.relative(ROOT, dir)]).map((v) => v.rule.name);
      expect(names).toContain("business-modules-free-of-the-app-framework");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("an app module importing the emulator is caught", () => {
    const dir = fs.mkdtempSync(path.join(ROOT, "app", "modules", ".boundary-probe-"));
    try {
      fs.writeFileSync(path.join(dir, "x.ts"), `export { startEmulator } from "../../../emulator";\n`);
      expect(cruise([path.relative(ROOT, dir)]).map((v) => v.rule.name)).toContain("app-never-imports-tools");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
