import { Layout } from "@shopify/polaris";
import type { ReactNode } from "react";

// The settings page is a list of annotated sections (title and description on the left, the
// controls on the right, as Polaris lays out settings pages). The page builds the list; adding a
// setting is adding one entry (see README, "The merchant's settings page").

export type SettingsSection = {
  /** Stable id: the section's anchor (#settings-<id>) and React key. */
  id: string;
  title: string;
  description?: ReactNode;
  content: ReactNode;
};

export function SettingsSections({ sections }: { sections: SettingsSection[] }) {
  return (
    <Layout>
      {sections.map((s) => (
        <Layout.AnnotatedSection key={s.id} id={`settings-${s.id}`} title={s.title} description={s.description}>
          {s.content}
        </Layout.AnnotatedSection>
      ))}
    </Layout>
  );
}

/** Scrolls to and focuses the first field marked invalid inside `root` (after a Save with errors). */
export function focusFirstError(root: ParentNode = document): boolean {
  const first = root.querySelector<HTMLElement>('[aria-invalid="true"]');
  if (!first) return false;
  first.scrollIntoView({ block: "center" });
  first.focus({ preventScroll: true });
  return true;
}
