import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { AppProvider, Button, Card, FormLayout, Page, Text, TextField } from "@shopify/polaris";
import polarisTranslations from "@shopify/polaris/locales/en.json";
import polarisStyles from "@shopify/polaris/build/esm/styles.css?url";
import { useState } from "react";
import { login } from "../shopify.server";

// Where the Shopify library sends a visit that carries no shop (opening /app outside the admin,
// an expired install link). As in Shopify's app template: ask for the store's domain and send the
// merchant through Shopify's install/OAuth flow. authenticate.admin() must never run on this path.

export const links = () => [{ rel: "stylesheet", href: polarisStyles }];
export const meta: MetaFunction = () => [{ title: "M-PESA Checkout: log in" }];

type LoginErrors = Awaited<ReturnType<typeof login>>;

function loginErrorMessage(result: LoginErrors): { shop?: string } {
  if (result?.shop === "MISSING_SHOP") return { shop: "Enter your store's domain, for example my-shop.myshopify.com" };
  if (result?.shop === "INVALID_SHOP")
    return { shop: "That is not a Shopify store domain: it should end in .myshopify.com" };
  return {};
}

export const loader = async ({ request }: LoaderFunctionArgs) => {
  return json({ errors: loginErrorMessage(await login(request)), polarisTranslations });
};

export const action = async ({ request }: ActionFunctionArgs) => {
  return json({ errors: loginErrorMessage(await login(request)) });
};

export default function Login() {
  const loaderData = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [shop, setShop] = useState("");
  const errors = actionData?.errors ?? loaderData.errors;
  return (
    <AppProvider i18n={loaderData.polarisTranslations}>
      <Page narrowWidth>
        <Card>
          <Form method="post">
            <FormLayout>
              <Text variant="headingMd" as="h1">
                Log in to M-PESA Checkout
              </Text>
              <Text as="p" tone="subdued">
                M-PESA Checkout runs inside your Shopify admin. Enter your store&apos;s domain to open it there (or
                install it).
              </Text>
              <TextField
                type="text"
                name="shop"
                label="Store domain"
                helpText="example.myshopify.com"
                value={shop}
                onChange={setShop}
                autoComplete="on"
                error={errors.shop}
              />
              <Button submit variant="primary">
                Log in
              </Button>
            </FormLayout>
          </Form>
        </Card>
      </Page>
    </AppProvider>
  );
}
