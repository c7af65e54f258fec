import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { Banner, Layout, Page } from "@shopify/polaris";
import prisma from "../db.server";
import { authenticate } from "../shopify.server";
import { actorFrom } from "../modules/c2b/queue.server";
import {
  checkCode,
  expireStale,
  findOrderForMerchant,
  requestVerification,
} from "../modules/receipt-verification/request.server";
import { recentVerifications } from "../modules/receipt-verification/view.server";
import { VerifyByCodeCard } from "../modules/receipt-verification/ui/verify-card";
import { verifyDeps } from "../receipt-verification.server";

// /app/payments/verify — "Verify a payment by M-PESA code" (issue 11 part 5, docs/C2B.md): the merchant
// types the code the customer has and the order it pays; the app asks Safaricom (Transaction Status)
// and applies it through the C2B ledger. Thin adapter over app/modules/receipt-verification/.

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const deps = await verifyDeps();
  const order = new URL(request.url).searchParams.get("order") ?? "";
  let recent = await recentVerifications(prisma, session.shop);
  if (await expireStale(deps, recent.rows)) recent = await recentVerifications(prisma, session.shop);
  return json({ order, verifications: recent.views });
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session, sessionToken } = await authenticate.admin(request);
  const user = session.onlineAccessInfo?.associated_user;
  const actor = actorFrom({
    userId: user?.id ?? sessionToken?.sub ?? null,
    name: user ? [user.first_name, user.last_name].filter(Boolean).join(" ") : null,
    email: user?.email ?? null,
  });
  const form = await request.formData();
  const field = (k: string) => String(form.get(k) ?? "");
  if (field("intent") !== "verify") return json({ ok: false, message: "Unknown action." }, { status: 422 });
  const found = await findOrderForMerchant(prisma, session.shop, field("order"));
  if (!found.ok) {
    const refused = await checkCode(prisma, session.shop, field("code"), found.orderGid ?? null, "merchant");
    if (refused?.kind === "rejected")
      return json({ ok: false, reason: refused.reason, message: refused.message }, { status: 422 });
    return json({ ok: false, message: found.message }, { status: 422 });
  }
  const outcome = await requestVerification(await verifyDeps(), {
    shop: session.shop,
    code: field("code"),
    order: found.order,
    source: "merchant",
    actor: actor.label,
  });
  if (outcome.kind === "rejected")
    return json({ ok: false, reason: outcome.reason, message: outcome.message }, { status: 422 });
  const v = outcome.verification;
  return json({
    ok: true,
    id: v.id,
    message: outcome.existing
      ? `${v.receipt} is already being verified for ${v.orderName ?? v.orderGid}.`
      : `Verifying ${v.receipt} with Safaricom for ${v.orderName ?? v.orderGid}…`,
  });
};

export default function VerifyPaymentPage() {
  const view = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <Page
      title="Verify a payment by M-PESA code"
      subtitle="A customer paid by M-PESA and the payment did not reach the order: check their code with Safaricom"
      backAction={{ content: "Unmatched payments", url: "/app/payments/unmatched" }}
    >
      <Layout>
        {result && (
          <Layout.Section>
            <Banner tone={result.ok ? "info" : "critical"}>{result.message}</Banner>
          </Layout.Section>
        )}
        <Layout.Section>
          <VerifyByCodeCard defaultOrder={view.order} verifications={view.verifications} />
        </Layout.Section>
      </Layout>
    </Page>
  );
}
