#!/usr/bin/env node
// Regenerates public/favicon.ico from public/favicon.svg: headless Chromium renders the SVG at 16,
// 32 and 48 px; the PNGs go into one ICO container (ICO entries may hold PNG data as-is).
//   node scripts/favicon.mjs      (needs /usr/bin/chromium, as the browser tests do)
import fs from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const svg = fs.readFileSync(path.join(root, "public", "favicon.svg"), "utf8");
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium" });
const pngs = [];
for (const size of [16, 32, 48]) {
  const page = await browser.newPage({ viewport: { width: size, height: size } });
  await page.setContent(
    `<style>html,body{margin:0;background:transparent}</style><img width="${size}" height="${size}" src="data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}">`,
  );
  pngs.push({ size, data: await page.screenshot({ omitBackground: true }) });
  await page.close();
}
await browser.close();

const header = Buffer.alloc(6);
header.writeUInt16LE(0, 0); // reserved
header.writeUInt16LE(1, 2); // type: icon
header.writeUInt16LE(pngs.length, 4);
let offset = 6 + 16 * pngs.length;
const entries = pngs.map(({ size, data }) => {
  const e = Buffer.alloc(16);
  e.writeUInt8(size % 256, 0);
  e.writeUInt8(size % 256, 1);
  e.writeUInt16LE(1, 4); // colour planes
  e.writeUInt16LE(32, 6); // bits per pixel
  e.writeUInt32LE(data.length, 8);
  e.writeUInt32LE(offset, 12);
  offset += data.length;
  return e;
});
fs.writeFileSync(
  path.join(root, "public", "favicon.ico"),
  Buffer.concat([header, ...entries, ...pngs.map((p) => p.data)]),
);
console.log(`wrote public/favicon.ico (${pngs.map((p) => p.size).join(", ")} px)`);
