import { Banner, Layout, Text } from "@shopify/polaris";
import type { HealthBanner } from "../integration-health.server";

// The home page's health banners (integration-health.server.ts): each says what is wrong, what to do,
// and links to where it is done. Presentation only.
export function HealthBanners({ banners }: { banners: HealthBanner[] }) {
  return (
    <>
      {banners.map((b) => (
        <Layout.Section key={b.id}>
          <Banner tone={b.tone} title={b.title} action={b.action}>
            <Text as="p">{b.body}</Text>
          </Banner>
        </Layout.Section>
      ))}
    </>
  );
}
