import { vitePlugin as remix } from "@remix-run/dev";
import { installGlobals } from "@remix-run/node";
import { defineConfig } from "vite";
import tsconfigPaths from "vite-tsconfig-paths";
import remixConfig from "./remix.config.js";

installGlobals({ nativeFetch: true });

const port = Number(process.env.PORT || 3000);

export default defineConfig({
  server: { port, fs: { allow: ["app", "node_modules"] } },
  plugins: [remix(remixConfig), tsconfigPaths()],
  build: { assetsInlineLimit: 0 },
  optimizeDeps: { include: ["@shopify/app-bridge-react", "@shopify/polaris"] },
});
