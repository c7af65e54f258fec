import type { LoaderFunctionArgs } from "@remix-run/node";
import { createReadableStreamFromReadable } from "@remix-run/node";
import prisma from "../db.server";
import { eatWallClock } from "../lib/eat";
import { getRun, reportCsv } from "../modules/reconciliation/run/report.server";
import { authenticate } from "../shopify.server";

// GET /app/reconciliation/csv?run=<id> — one run's report as CSV, streamed from the database a page of
// items at a time. Signed-in staff of the run's shop only (another shop's run is a 404).

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const id = new URL(request.url).searchParams.get("run") ?? "";
  const run = id ? await getRun(prisma, session.shop, id) : null;
  if (!run) return new Response("No such report.", { status: 404 });
  const day = eatWallClock(run.windowFrom).toISOString().slice(0, 10);
  return new Response(createReadableStreamFromReadable(reportCsv(prisma, session.shop, run.id)), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="reconciliation-${day}.csv"`,
      "Cache-Control": "no-store",
    },
  });
};
