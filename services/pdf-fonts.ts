/**
 * Noto Serif for every PDF the platform makes (receipts, certificates): resolved from the
 * @expo-google-fonts/noto-serif package and parsed once per process (docs/decisions/0005).
 *
 * Server-only (reads font files). pdfkit takes a parsed fontkit font in place of a file and embeds a
 * subset of it in each document.
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import * as fontkit from "fontkit";

const FONT_PACKAGE = "@expo-google-fonts/noto-serif";
const FONT_FILES = {
  regular: "400Regular/NotoSerif_400Regular.ttf",
  bold: "700Bold/NotoSerif_700Bold.ttf",
  italic: "400Regular_Italic/NotoSerif_400Regular_Italic.ttf",
} as const;
export type PdfFontName = keyof typeof FONT_FILES;
export type PdfFont = ReturnType<typeof fontkit.create> & { _glyphs?: Record<number, unknown> };

let fontPaths: Record<PdfFontName, string> | undefined;
/** Resolved at run time from node_modules, so it works from the source tree, tests and the server build. */
export function pdfFontPaths(): Record<PdfFontName, string> {
  if (!fontPaths) {
    const require = createRequire(import.meta.url);
    fontPaths = {
      regular: require.resolve(`${FONT_PACKAGE}/${FONT_FILES.regular}`),
      bold: require.resolve(`${FONT_PACKAGE}/${FONT_FILES.bold}`),
      italic: require.resolve(`${FONT_PACKAGE}/${FONT_FILES.italic}`),
    };
  }
  return fontPaths;
}

let parsedFonts: Record<PdfFontName, PdfFont> | undefined;

/**
 * The three faces, parsed once per process (fontkit decodes their tables lazily and keeps them: ~90 % of a
 * document's time when parsed per document), with an empty glyph cache: fontkit remembers a glyph with the
 * characters it was first reached from, and a glyph first reached while another document's subset was
 * written (no characters) would lose its text in this one's ToUnicode map (the PDF would not copy or
 * search right). So call it once per document, and lay the document out from here to `doc.end()` without
 * awaiting anything in between (another document would fill the shared cache meanwhile).
 */
export function pdfFonts(): Record<PdfFontName, PdfFont> {
  if (!parsedFonts) {
    const paths = pdfFontPaths();
    const open = (name: PdfFontName) => fontkit.create(fs.readFileSync(paths[name])) as PdfFont;
    parsedFonts = { regular: open("regular"), bold: open("bold"), italic: open("italic") };
  }
  for (const font of Object.values(parsedFonts)) font._glyphs = {};
  return parsedFonts;
}

/**
 * Registers the three faces on a pdfkit document (as "regular", "bold", "italic") and collects its bytes:
 * the returned promise is the whole PDF once `doc.end()` is called. What every PDF the platform makes
 * (receipts, certificates, reports) starts with.
 */
export function collectPdf(doc: PDFKit.PDFDocument, fonts: Record<PdfFontName, PdfFont>): Promise<Buffer> {
  for (const name of ["regular", "bold", "italic"] as const) doc.registerFont(name, fonts[name] as never);
  const chunks: Buffer[] = [];
  doc.on("data", (chunk: Buffer) => chunks.push(chunk));
  return new Promise<Buffer>((resolve, reject) => {
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });
}
