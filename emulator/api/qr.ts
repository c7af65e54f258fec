// Dynamic QR (§2.12). The image is a fixed, valid 21×21 grayscale PNG: clients only store/show it.
import { Codes, ok, type Reply } from "../reply";
import * as v from "../validate";
import type { ApiContext } from "./context";

const PNG_BASE64 =
  "iVBORw0KGgoAAAANSUhEUgAAABUAAAAVCAAAAACMfPpKAAAAHUlEQVR42mP4//8/AwMDOkmKKHYhUkRH3UAlNwAASZ3gIGjvmSEAAAAASUVORK5CYII=";

export function dynamicQr({ body, requestId }: ApiContext): Reply {
  v.text(body, "MerchantName", { max: 100, required: true });
  v.text(body, "RefNo", { max: 100, required: true });
  v.amount(body, "Amount", 1, 250_000);
  v.oneOf(body, "TrxCode", ["BG", "WA", "PB", "SM", "SB"] as const);
  // CPI: the paybill/till/agent number, or an MSISDN for SM.
  if (!/^\d{5,12}$/.test(String(body.CPI ?? ""))) throw Codes.invalidField("CPI");
  const size = body.Size === undefined ? "300" : String(body.Size);
  if (!/^\d{2,4}$/.test(size)) throw Codes.invalidField("Size");
  // The docs sample shows an AG_ value in ResponseCode; an SDK treats "00" as success (§2.12).
  return ok({
    ResponseCode: "00",
    RequestID: requestId,
    ResponseDescription: "QR Code Successfully Generated.",
    QRCode: PNG_BASE64,
  });
}
