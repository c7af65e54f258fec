import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import prisma from "../db.server";
import { authenticate } from "../shopify.server";
import { readAutoApprove, saveAutoApprove } from "../modules/refunds/auto-approve.server";

// /app/refund-rule — the shop's refund auto-approve limit (read and saved by the settings page's
// "Refunds" card, app/ui/refunds/auto-approve-card.tsx). No page of its own.

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return json({ maxKes: await readAutoApprove(prisma, session.shop) });
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const form = await request.formData();
  const saved = await saveAutoApprove(prisma, session.shop, form.get("maxKes"));
  return json(saved, { status: saved.ok ? 200 : 422 });
};
