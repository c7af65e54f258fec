// Seeded randomness: every id, receipt and token the emulator invents comes from here, so a run with
// the same seed and the same requests produces the same values (reproducible test failures).

export type Rng = {
  next(): number; // [0, 1)
  int(maxExclusive: number): number;
  chars(alphabet: string, length: number): string;
  hex(length: number): string;
  digits(length: number): string;
};

/** mulberry32: tiny, fast, good enough for ids (not for secrets). */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number) => Math.floor(next() * max);
  const chars = (alphabet: string, length: number) => {
    let out = "";
    for (let i = 0; i < length; i++) out += alphabet[int(alphabet.length)];
    return out;
  };
  return {
    next,
    int,
    chars,
    hex: (length) => chars("0123456789abcdef", length),
    digits: (length) => chars("0123456789", length),
  };
}

const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const UPPER_ALNUM = `${UPPER}0123456789`;
const ALNUM = `${UPPER_ALNUM}abcdefghijklmnopqrstuvwxyz`;

/** Daraja-style ids, shaped like the reference samples (treated as opaque by clients anyway). */
export function createIds(rng: Rng) {
  const receipts = new Set<string>();
  return {
    /** "8c1d-4f0a-a3e2-5b9e71c2d0aa1203344": the newer MerchantRequestID / requestId format. */
    requestId: () => `${rng.hex(4)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(12)}${rng.digits(7)}`,
    /** "AG_20260314_2010759fd5662ef6d054" */
    conversationId: (eatDate: string) => `AG_${eatDate}_${rng.hex(20)}`,
    accessToken: () => rng.chars(ALNUM, 28),
    /** 10 uppercase alphanumerics starting with a letter, unique within this emulator run. */
    receipt: () => {
      for (;;) {
        const r = rng.chars(UPPER, 1) + rng.chars(UPPER_ALNUM, 9);
        if (!receipts.has(r)) {
          receipts.add(r);
          return r;
        }
      }
    },
    digits: (n: number) => rng.digits(n),
  };
}
export type Ids = ReturnType<typeof createIds>;
