import { createCore, type DarajaClientOptions } from "./core";
import { c2bRegisterUrl, dynamicQr, pullQuery, pullRegister } from "./operations/c2b-pull-qr";
import { accountBalance, b2c, reversal, transactionStatus } from "./operations/initiator";
import { stkPush, stkQuery } from "./operations/stk";
import type { DarajaEnvironment } from "./types";

type Op<F> = F extends (core: never, input: infer I) => infer R ? (input: I) => R : never;

export interface DarajaClient {
  readonly environment: DarajaEnvironment;
  getAccessToken(): Promise<string>;
  stkPush: Op<typeof stkPush>;
  stkQuery: Op<typeof stkQuery>;
  c2bRegisterUrl: Op<typeof c2bRegisterUrl>;
  b2c: Op<typeof b2c>;
  reversal: Op<typeof reversal>;
  transactionStatus: Op<typeof transactionStatus>;
  accountBalance: Op<typeof accountBalance>;
  pullRegister: Op<typeof pullRegister>;
  pullQuery: Op<typeof pullQuery>;
  dynamicQr: Op<typeof dynamicQr>;
}

/** One client per credential set. Cheap to create: tokens are cached in the (shared) token store. */
export function createDarajaClient(opts: DarajaClientOptions): DarajaClient {
  const core = createCore(opts);
  return {
    environment: core.environment,
    getAccessToken: () => core.tokens.get(),
    stkPush: (i) => stkPush(core, i),
    stkQuery: (i) => stkQuery(core, i),
    c2bRegisterUrl: (i) => c2bRegisterUrl(core, i),
    b2c: (i) => b2c(core, i),
    reversal: (i) => reversal(core, i),
    transactionStatus: (i) => transactionStatus(core, i),
    accountBalance: (i) => accountBalance(core, i),
    pullRegister: (i) => pullRegister(core, i),
    pullQuery: (i) => pullQuery(core, i),
    dynamicQr: (i) => dynamicQr(core, i),
  };
}
