import { startShopifyStandin } from "./index";

// `npx tsx shopify-standin/cli.ts [--port 4100] [--host 127.0.0.1] [--shop s.myshopify.com --token t]`
const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};

const standin = await startShopifyStandin({ port: Number(arg("port") ?? 4100), host: arg("host") });
const shop = arg("shop");
if (shop) standin.registerShop(shop, arg("token") ?? "totally_real_token");
console.log(`Shopify Admin stand-in listening on ${standin.url} (control API: ${standin.url}/__standin/)`);
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => void standin.close().then(() => process.exit(0)));
