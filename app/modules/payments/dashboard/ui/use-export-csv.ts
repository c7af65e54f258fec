import { useCallback, useState } from "react";

// Downloads the CSV export. A same-origin fetch carries the admin's session token (App Bridge adds it,
// as the sandbox's stand-in does), which a plain link would not; the file is then saved from a blob.

export function useExportCsv() {
  const [exporting, setExporting] = useState(false);
  const [exportError, setError] = useState<string | null>(null);
  const exportCsv = useCallback(async (url: string) => {
    setExporting(true);
    setError(null);
    try {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`The server answered ${res.status}. Try again in a moment.`);
      const name = /filename="([^"]+)"/.exec(res.headers.get("Content-Disposition") ?? "")?.[1] ?? "mpesa-payments.csv";
      const blob = await res.blob();
      const href = URL.createObjectURL(blob);
      const a = document.createElement("a");
      a.href = href;
      a.download = name;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(href), 10_000);
    } catch (e) {
      setError(e instanceof Error ? e.message : "The export failed. Try again in a moment.");
    } finally {
      setExporting(false);
    }
  }, []);
  return { exporting, exportCsv, exportError };
}
