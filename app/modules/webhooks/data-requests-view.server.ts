import type { Db } from "./types";

export interface DataRequestView {
  id: string;
  customerId: string | null;
  requestId: string | null;
  receivedAt: string;
  orders: number;
  paymentAttempts: number;
  json: string; // pretty-printed report, for display
}

/** The shop's stored customer data reports, newest first, shaped for the embedded page. */
export async function listDataRequestViews(
  db: Pick<Db, "dataRequest">,
  shopDomain: string,
  take = 50,
): Promise<DataRequestView[]> {
  const rows = await db.dataRequest.findMany({ where: { shopDomain }, orderBy: { createdAt: "desc" }, take });
  return rows.map((row) => {
    let report: { orders?: unknown[]; paymentAttempts?: unknown[] } = {};
    let json = row.report;
    try {
      report = JSON.parse(row.report);
      json = JSON.stringify(report, null, 2);
    } catch {
      // Shown as stored: a report is only ever written by handleCustomersDataRequest, so this is defensive.
    }
    return {
      id: row.id,
      customerId: row.customerId,
      requestId: row.requestId,
      receivedAt: row.createdAt.toISOString(),
      orders: report.orders?.length ?? 0,
      paymentAttempts: report.paymentAttempts?.length ?? 0,
      json,
    };
  });
}
