/**
 * The mails' words, in the recipient's language (app/locales/mail.*.json, the same files the pages read),
 * as plain text and simple HTML. Pure: no database.
 */
import en from "../../app/locales/mail.en.json";
import vi from "../../app/locales/mail.vi.json";

export type MailLocale = "vi" | "en";
type Messages = typeof vi.mail;
const MESSAGES: Record<MailLocale, Messages> = { vi: vi.mail, en: en.mail };

function lookup(locale: MailLocale, key: string): string {
  let node: unknown = MESSAGES[locale];
  for (const part of key.split(".")) node = (node as Record<string, unknown> | undefined)?.[part];
  if (typeof node !== "string") throw new Error(`No mail text "${key}" in ${locale}`);
  return node;
}

/** A mail text with its {{values}} filled in. */
export function mailText(locale: MailLocale, key: string, values: Record<string, string | number> = {}): string {
  return lookup(locale, key).replace(/\{\{(\w+)\}\}/g, (_, name: string) => (name in values ? String(values[name]) : `{{${name}}}`));
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

export type MailBlock =
  | { paragraph: string }
  | { action: { label: string; url: string } }
  | { facts: { title: string; rows: Array<[string, string]> } }
  | { small: string; url?: string };

export type RenderedMail = { subject: string; text: string; html: string };

/** A mail of greeting, blocks and signature, as text and as HTML (inline styles only: mail clients drop the rest). */
export function renderMail(locale: MailLocale, input: { subject: string; name: string; blocks: MailBlock[] }): RenderedMail {
  const t = (key: string, values?: Record<string, string | number>) => mailText(locale, key, values);
  const text: string[] = [t("greeting", { name: input.name }), ""];
  const html: string[] = [`<p>${escapeHtml(t("greeting", { name: input.name }))}</p>`];
  for (const block of input.blocks) {
    if ("paragraph" in block) {
      text.push(block.paragraph, "");
      html.push(`<p>${escapeHtml(block.paragraph)}</p>`);
    } else if ("action" in block) {
      text.push(`${block.action.label}: ${block.action.url}`, "");
      html.push(
        `<p><a href="${escapeHtml(block.action.url)}" style="display:inline-block;padding:10px 18px;background:#9b1c1c;color:#ffffff;text-decoration:none;border-radius:4px;font-weight:bold">${escapeHtml(block.action.label)}</a></p>`,
        `<p style="font-size:13px;color:#555555">${escapeHtml(t("linkHint"))}<br><a href="${escapeHtml(block.action.url)}">${escapeHtml(block.action.url)}</a></p>`,
      );
    } else if ("facts" in block) {
      text.push(`${block.facts.title}:`, ...block.facts.rows.map(([label, value]) => `  ${label}: ${value}`), "");
      html.push(
        `<p><strong>${escapeHtml(block.facts.title)}</strong></p>`,
        `<table style="border-collapse:collapse">${block.facts.rows.map(([label, value]) => `<tr><td style="padding:2px 12px 2px 0;color:#555555">${escapeHtml(label)}</td><td style="padding:2px 0"><strong>${escapeHtml(value)}</strong></td></tr>`).join("")}</table>`,
      );
    } else {
      text.push(block.url ? `${block.small} ${block.url}` : block.small, "");
      html.push(`<p style="font-size:13px;color:#555555">${escapeHtml(block.small)}${block.url ? ` <a href="${escapeHtml(block.url)}">${escapeHtml(block.url)}</a>` : ""}</p>`);
    }
  }
  text.push("--", t("signature"), t("automatic"));
  html.push(`<hr style="border:none;border-top:1px solid #dddddd">`, `<p style="font-size:13px;color:#555555">${escapeHtml(t("signature"))}<br>${escapeHtml(t("automatic"))}</p>`);
  const body = `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><title>${escapeHtml(input.subject)}</title></head><body style="font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#1a1a1a;max-width:600px">${html.join("\n")}</body></html>`;
  return { subject: input.subject, text: text.join("\n"), html: body };
}
