// DOM helpers for the rendered Polaris web components (jsdom keeps them as plain elements).
import { waitFor } from "@testing-library/preact";
import { render } from "preact";

export const text = () => document.body.textContent ?? "";

export function button(label: string): HTMLElement {
  const found = [...document.body.querySelectorAll("s-button")].find((el) => el.textContent === label);
  if (!found) throw new Error(`no s-button "${label}" in: ${document.body.innerHTML}`);
  return found as HTMLElement;
}

export function hasButton(label: string): boolean {
  return [...document.body.querySelectorAll("s-button")].some((el) => el.textContent === label);
}

export function phoneField(): HTMLElement & { value?: string } {
  const field = document.body.querySelector("s-phone-field");
  if (!field) throw new Error(`no s-phone-field in: ${document.body.innerHTML}`);
  return field as HTMLElement & { value?: string };
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

/** The tester's tearDown cannot reach preact from ESM and only clears the DOM: unmount first so the
 *  block's effects run their cleanup and no poll of one test answers from the next test's fetch. */
export function unmount(): void {
  render(null, document.body);
}

export function banner(): { tone: string | null; heading: string | null; text: string } {
  const el = document.body.querySelector("s-banner");
  if (!el) throw new Error(`no s-banner in: ${document.body.innerHTML}`);
  return { tone: el.getAttribute("tone"), heading: el.getAttribute("heading"), text: el.textContent ?? "" };
}
