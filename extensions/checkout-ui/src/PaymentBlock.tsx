// Owns one PaymentController for the lifetime of the rendered block and re-renders on each state.
// Shared by both targets; the target modules only read their own `shopify` API and pass plain values.
import { useEffect, useState } from "preact/hooks";
import { createPayApi, type OrderRef } from "./api";
import { APP_URL, TIMINGS } from "./config";
import { createPaymentController } from "./controller";
import { PaymentView } from "./PaymentView";
import { formatLocalPhone, normalizeKenyanPhone } from "./phone";
import { VerifyByCode } from "./VerifyByCode";

export interface PaymentBlockProps {
  /** The order's id and confirmation number (the app requires both on every request). */
  order: OrderRef;
  getSessionToken: () => Promise<string>;
  /** Phone numbers the order already carries, best first; the first Kenyan one is prefilled. */
  knownPhones: Array<string | undefined>;
  /** Order-status only: offer "verify by M-PESA code" when the app says the shop allows it. */
  offerVerifyByCode?: boolean;
}

export function PaymentBlock(props: PaymentBlockProps) {
  const [controller] = useState(() =>
    createPaymentController({
      api: createPayApi({ appUrl: APP_URL, getSessionToken: props.getSessionToken }),
      order: props.order,
      initialPhone: prefillPhone(props.knownPhones),
      timings: TIMINGS,
    }),
  );
  const [state, setState] = useState(controller.state);
  // Once offered, the form stays (it shows its own outcome after the order is paid).
  const [verifyShown, setVerifyShown] = useState(false);
  useEffect(() => {
    if (props.offerVerifyByCode && state.verifyByCode) setVerifyShown(true);
  }, [props.offerVerifyByCode, state.verifyByCode]);

  useEffect(() => {
    const unsubscribe = controller.subscribe(setState);
    controller.start();
    return () => {
      unsubscribe();
      controller.dispose();
    };
  }, [controller]);

  if (!verifyShown) return <PaymentView state={state} actions={controller} />;
  return (
    <s-stack gap="base">
      <PaymentView state={state} actions={controller} />
      <VerifyByCode order={props.order} getSessionToken={props.getSessionToken} />
    </s-stack>
  );
}

export function prefillPhone(candidates: Array<string | undefined>): string {
  for (const candidate of candidates) {
    const msisdn = candidate ? normalizeKenyanPhone(candidate) : null;
    if (msisdn) return formatLocalPhone(msisdn);
  }
  return "";
}

/** Protected customer data may be absent, or refused, depending on the app's access level. */
export function readOptional<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** The parts of either target's API that may carry the buyer's phone (each may be absent). */
interface PhoneSources {
  buyerIdentity?: { phone: { value?: string | null } };
  shippingAddress?: { value?: { phone?: string | null } | null };
  billingAddress?: { value?: { phone?: string | null } | null };
}

/** Candidate phones to prefill, in order of preference: the buyer's, then shipping, then billing. */
export function knownPhonesOf(api: PhoneSources): Array<string | undefined> {
  return [
    readOptional(() => api.buyerIdentity?.phone.value),
    readOptional(() => api.shippingAddress?.value?.phone),
    readOptional(() => api.billingAddress?.value?.phone),
  ].map((phone) => phone ?? undefined);
}
