import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** A PDF's text as a reader sees it (pdftotext, poppler-utils), with single plain spaces, NFC. */
export function pdfText(pdf: Buffer | Uint8Array): string {
  const dir = mkdtempSync(path.join(tmpdir(), "gopsuc-pdf-"));
  try {
    writeFileSync(path.join(dir, "document.pdf"), pdf);
    return execFileSync("/usr/bin/pdftotext", ["-enc", "UTF-8", path.join(dir, "document.pdf"), "-"], { encoding: "utf8" }).replace(/\s+/g, " ").normalize("NFC");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
