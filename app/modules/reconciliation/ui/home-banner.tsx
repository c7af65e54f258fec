import { Banner, Layout } from "@shopify/polaris";

// Home page: the latest reconciliation run, when it holds mismatches nobody has handled yet.

export function ReconciliationBanner({ latest }: { latest: { window: string; needsPerson: number } | null }) {
  if (!latest || latest.needsPerson === 0) return null;
  return (
    <Layout.Section>
      <Banner
        tone="warning"
        title={`Reconciliation of ${latest.window}: ${latest.needsPerson} ${latest.needsPerson === 1 ? "mismatch needs" : "mismatches need"} attention`}
        action={{ content: "Open the report", url: "/app/reconciliation" }}
      >
        The app&apos;s payments, Shopify&apos;s orders and the M-PESA statement disagree.
      </Banner>
    </Layout.Section>
  );
}
