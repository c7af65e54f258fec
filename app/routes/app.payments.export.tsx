import type { LoaderFunctionArgs } from "@remix-run/node";
import prisma from "../db.server";
import { eatWallClock } from "../lib/eat";
import { authenticate } from "../shopify.server";
import { parsePaymentFilters } from "../modules/payments/dashboard/filters";
import { exportFileName, exportPaymentsCsv } from "../modules/payments/dashboard/export.server";

// GET /app/payments/export?<the list's filters> — the filtered payments as a streamed CSV file,
// under the same admin authentication as the list (docs/PAYMENTS.md).
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const filters = parsePaymentFilters(new URL(request.url).searchParams);
  const today = eatWallClock(new Date()).toISOString().slice(0, 10);
  return new Response(exportPaymentsCsv(prisma, session.shop, filters), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${exportFileName(filters, today)}"`,
      "Cache-Control": "no-store",
    },
  });
};
