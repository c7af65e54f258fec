import { Banner, BlockStack, Button, Text } from "@shopify/polaris";
import { copy } from "../../../../extensions/checkout-ui/src/copy";
import type { AttemptView } from "./checkout-client";

// The attempt as the checkout extension shows it: the same headings and messages (its copy.ts).
// Without onRetry the banner has no button (the sandbox puts Retry beside the inputs it uses).
export function PaymentOutcome({ attempt, onRetry }: { attempt: AttemptView; onRetry?: () => void }) {
  const retry =
    attempt.canRetry && onRetry ? (
      <Button variant="primary" onClick={onRetry}>
        {copy.retry}
      </Button>
    ) : null;
  switch (attempt.status) {
    case "PENDING":
      return (
        <Banner tone="info" title={copy.checkPhoneHeading}>
          <Text as="p">{copy.checkPhone(attempt.amountKes, attempt.phoneMasked)}</Text>
        </Banner>
      );
    case "SUCCEEDED":
      return (
        <Banner tone="success" title={copy.paidHeading}>
          <BlockStack gap="100">
            <Text as="p">{copy.paid(attempt.amountKes)}</Text>
            {attempt.receipt && (
              <Text as="p" fontWeight="bold">
                {copy.receipt(attempt.receipt)}
              </Text>
            )}
          </BlockStack>
        </Banner>
      );
    case "CANCELLED":
    case "TIMED_OUT":
      return (
        <Banner tone="warning" title={attempt.status === "CANCELLED" ? copy.cancelledHeading : copy.timedOutHeading}>
          <BlockStack gap="200" inlineAlign="start">
            <Text as="p">{attempt.status === "CANCELLED" ? copy.cancelled : copy.timedOut}</Text>
            {retry}
          </BlockStack>
        </Banner>
      );
    case "FAILED":
      return (
        <Banner tone="critical" title={copy.failedHeading}>
          <BlockStack gap="200" inlineAlign="start">
            <Text as="p">{attempt.message || copy.failedFallback}</Text>
            {retry}
          </BlockStack>
        </Banner>
      );
    case "NEEDS_REVIEW":
      return (
        <Banner tone="info" title={copy.needsReviewHeading}>
          <Text as="p">{copy.needsReview}</Text>
        </Banner>
      );
  }
}
