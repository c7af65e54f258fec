import { redirect, type LoaderFunctionArgs } from "@remix-run/node";

// The app lives inside the Shopify admin; a bare visit with ?shop= goes to the embedded app.
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const url = new URL(request.url);
  if (url.searchParams.get("shop")) throw redirect(`/app?${url.searchParams.toString()}`);
  return new Response(
    "M-PESA Checkout: install it from the Shopify admin. Daraja callbacks are served under /daraja/.",
    { headers: { "Content-Type": "text/plain; charset=utf-8" } },
  );
};
