// Import boundaries, checked by `npm run lint:deps` (part of `npm test`). dependency-cruiser resolves every
// import (relative, "~/…", dynamic, and type-only ones: they tie the design together as much as calls do), so
// a rule holds through indirect imports too where it says `reachable`.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      severity: "error",
      comment: "A module that both uses and is used by another hides who owns what.",
      from: { path: "^app/" },
      to: { circular: true },
    },
    {
      name: "routes-import-modules-never-the-reverse",
      severity: "error",
      comment: "Routes are thin HTTP adapters; modules must not know them.",
      from: { path: "^app/(modules|lib)/" },
      to: { path: "^app/routes/" },
    },
    {
      name: "daraja-knows-neither-shopify-nor-prisma",
      severity: "error",
      comment: "The Daraja client is a library of its own: no Shopify, no database.",
      from: { path: "^app/modules/daraja/" },
      to: {
        path: "^(app/modules/(?!daraja/)|app/db\\.server|app/shopify\\.server|app/routes/)|node_modules/(@shopify|@prisma|prisma|\\.prisma|@remix-run)/",
      },
    },
    {
      name: "app-never-imports-tools",
      severity: "error",
      comment:
        "The emulator, the Shopify stand-in and scripts are programs beside the app, never part of it (tests kept " +
        "beside the code they test may use the test harness).",
      from: { path: "^app/", pathNot: "\\.test\\.tsx?$" },
      to: { path: "^(emulator|shopify-standin|scripts|bench|test)/" },
    },
    {
      name: "business-modules-free-of-the-app-framework",
      severity: "error",
      comment:
        "Use cases run anywhere (jobs, scripts, tests): Remix and the Shopify app library stay in routes, app/lib " +
        "and the composition roots — also through indirect imports.",
      from: { path: "^app/modules/(payments|refunds|jobs|daraja|daraja-events|settings|shopify|order-block|flow)/" },
      to: {
        path: "^app/(shopify\\.server|routes/)|node_modules/(@remix-run|@shopify/shopify-app-remix)/",
        reachable: true,
      },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      from: { path: "^(app|emulator|shopify-standin|scripts|bench)/" },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|build|\\.cache)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs", ".json", ".d.ts"],
    },
    skipAnalysisNotInRules: true,
  },
};
