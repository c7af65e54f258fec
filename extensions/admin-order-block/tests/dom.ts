// DOM helpers for the rendered Polaris web components (jsdom keeps them as plain elements).
import { waitFor } from "@testing-library/preact";
import { render } from "preact";

export const text = () => document.body.textContent ?? "";

function buttons(): HTMLElement[] {
  return [...document.body.querySelectorAll("s-button")] as HTMLElement[];
}

export function button(label: string): HTMLElement {
  const found = buttons().find((el) => el.textContent === label);
  if (!found) throw new Error(`no s-button "${label}" in: ${document.body.innerHTML}`);
  return found;
}

export const hasButton = (label: string) => buttons().some((el) => el.textContent === label);

export function field(tag: "s-text-field" | "s-number-field"): HTMLElement & { value?: string } {
  const found = document.body.querySelector(tag);
  if (!found) throw new Error(`no ${tag} in: ${document.body.innerHTML}`);
  return found as HTMLElement & { value?: string };
}

export const waitForText = (snippet: string, timeout = 1000) =>
  waitFor(
    () => {
      if (!text().includes(snippet)) throw new Error(`"${snippet}" not in: ${document.body.innerHTML}`);
    },
    { timeout },
  );

/** Lets pending fetch promises and the re-render they cause settle. */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

/** The tester's tearDown only clears the DOM: unmount first so effects clean up. */
export function unmount(): void {
  render(null, document.body);
}
