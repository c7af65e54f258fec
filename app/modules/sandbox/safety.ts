// Sandbox mode must never meet real money. It is refused when anything points at production Daraja:
// a Daraja base URL that is not on this machine, or a shop configured for the production environment.
// (SANDBOX_MODE itself is refused with NODE_ENV=production by app/lib/env.server.ts.)

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

export function isLocalUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return LOCAL_HOSTS.has(host) || host.startsWith("127.") || host.endsWith(".localhost");
  } catch {
    return false;
  }
}

export type SafetyInput = {
  darajaBaseUrls: Record<string, string | undefined>; // name -> URL, e.g. DARAJA_SANDBOX_BASE_URL
  shops: { shopDomain: string; environment: string }[];
};

/** Every reason the sandbox must not run; empty when it is safe. */
export function sandboxSafetyProblems(input: SafetyInput): string[] {
  const problems: string[] = [];
  for (const [name, url] of Object.entries(input.darajaBaseUrls)) {
    if (url !== undefined && !isLocalUrl(url)) {
      problems.push(
        `${name} is ${url}, which is not on this machine: the sandbox only talks to the local Daraja emulator`,
      );
    }
  }
  for (const shop of input.shops) {
    if (shop.environment !== "sandbox") {
      problems.push(
        `shop ${shop.shopDomain} is configured for the ${shop.environment} Daraja environment: the sandbox only runs with sandbox settings`,
      );
    }
  }
  return problems;
}

export class SandboxRefusedError extends Error {
  constructor(public readonly problems: string[]) {
    super(`The sandbox refuses to run:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "SandboxRefusedError";
  }
}

export function assertSandboxSafe(input: SafetyInput): void {
  const problems = sandboxSafetyProblems(input);
  if (problems.length) throw new SandboxRefusedError(problems);
}
