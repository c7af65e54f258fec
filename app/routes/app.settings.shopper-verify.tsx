import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import prisma from "../db.server";
import { authenticate } from "../shopify.server";
import { setShopperMayVerify, shopperMayVerify } from "../modules/receipt-verification/setting.server";

// /app/settings/shopper-verify — the one switch "shoppers may verify their payment by M-PESA code"
// (ShopSettings.shopperVerifyByCode), read and written by its own section on the settings page
// (app/modules/receipt-verification/ui/shopper-setting.tsx).

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return json({ enabled: await shopperMayVerify(prisma, session.shop) });
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const form = await request.formData();
  const on = form.get("enabled") === "true";
  if (!(await setShopperMayVerify(prisma, session.shop, on)))
    return json({ enabled: false, error: "Save the M-PESA settings first." }, { status: 409 });
  return json({ enabled: on });
};
