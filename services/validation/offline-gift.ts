import { vietnamMidnight } from "../calendar";
import { z } from "zod";
import { HARD_MAX_AMOUNT } from "../payment-limits";
import { messageWithParams } from "./messages";
import { dateInputField, emailField, isBlankRow, personNameField, phoneField, plainText, positiveVndAmountField } from "./fields";
import { isValidEnterpriseTaxCode } from "./tax-code";
import { HOME_COUNTRY, isCountryCode, REGISTRATION_NUMBER_SHAPE } from "./country";
import { CARD_CURRENCIES, CURRENCY_DECIMALS, type CardCurrency } from "../currencies";
import { parseDecimal, rateField } from "./exchange-rates";

/**
 * An offline gift as a manager records it (cash, bank transfer, in-kind goods, volunteer hours).
 * One schema for the browser (react-hook-form) and the action. Which fields count depends on the
 * method and on the donor type, so those fields are checked in superRefine — after the rest, even when
 * the rest has errors, so every message shows at once — and the typed result is built in transform.
 * Messages are translation keys (app/locales/vi.json "validation.*", app/locales/gifts.*.json "gifts.*").
 */
export const OFFLINE_METHODS = ["cash", "bank_transfer", "in_kind", "volunteer_hours"] as const;
export type OfflineMethod = (typeof OFFLINE_METHODS)[number];
export const OFFLINE_DONOR_TYPES = ["organisation", "individual", "anonymous"] as const;
export type OfflineDonorType = (typeof OFFLINE_DONOR_TYPES)[number];

export const MAX_GIFT_ITEMS = 20;
/** Evidence files: images or PDF, checked by content on the server (services/evidence.ts); limits shared with the browser. */
export const MAX_EVIDENCE_BYTES = 5 * 1024 * 1024;
export const MAX_EVIDENCE_FILES = 3;
export const EVIDENCE_TYPES = ["image/jpeg", "image/png", "image/webp", "application/pdf"] as const;
export const MAX_VOLUNTEER_HOURS = 10_000;
/** Goods from abroad may be declared in these currencies (the card currencies, decision 0046); đồng is the default. */
export const GOODS_CURRENCIES = CARD_CURRENCIES;
export const HOURS_MODES = ["in_person", "remote"] as const;
export type HoursMode = (typeof HOURS_MODES)[number];
/** Same shape as models/pledge.server.ts PLEDGE_REFERENCE_SHAPE (not imported: it would bring mongoose to the browser). */
const PLEDGE_REFERENCE = /^[A-Z0-9]{4,20}$/;

const text = (max: number) => plainText(max);
/** Absent, null and "" all mean "not given". */
const optionalText = (max: number) => z.preprocess((value) => (value == null ? "" : value), text(max));
/**
 * One of a list. A refinement rather than z.enum: a failed refinement leaves the object "dirty", not
 * "aborted", so superRefine below still runs and every other message shows too.
 */
const choice = <T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess((value) => (value == null ? "" : value), z.string().refine((value): value is T[number] => (values as readonly string[]).includes(value), "validation.invalidChoice"));

/** A day in the past, typed in a form: a real date, from 2000 on, not later than today (`futureMessage` if it is). */
const pastDayField = (futureMessage: string) =>
  z.preprocess(
    (value) => (value == null ? "" : value),
    dateInputField
      // zod runs refinements even after the transform refused the value, so only check real dates.
      .refine((date) => !(date instanceof Date) || date.getTime() >= vietnamMidnight(2000, 1, 1).getTime(), "validation.date")
      .refine((date) => !(date instanceof Date) || date.getTime() <= Date.now(), futureMessage),
  );

/** The day the gift was received. */
const receivedAtField = pastDayField("gifts.validation.receivedInFuture");

const positiveAmount = positiveVndAmountField;

export const giftItemSchema = z.object({
  item: text(200).refine((value) => value.length > 0, "validation.required"),
  quantity: z.coerce.number({ invalid_type_error: "validation.quantity" }).int("validation.quantity").positive("validation.quantity").max(1_000_000, "validation.quantity"),
  unitValue: positiveAmount,
});
/** A gift item; `declaredUnitValue` is the value declared abroad, in its currency's minor units (then `unitValue` is its đồng). */
export type GiftItem = z.infer<typeof giftItemSchema> & { declaredUnitValue?: number };
/** Goods declared in another currency: converted at `rate` đồng per unit, as of `rateDate`, from `rateSource`. */
export type DeclaredIn = { currency: CardCurrency; rate: number; rateDate: Date; rateSource: string };

const itemRows = z.preprocess(
  (value) => (Array.isArray(value) ? value.filter((row) => !isBlankRow(row)) : []),
  z.array(giftItemSchema).min(1, "gifts.validation.itemsRequired").max(MAX_GIFT_ITEMS, "validation.tooMany"),
);

/**
 * A unit value declared in another currency, as typed ("1,250.50", "1.250,50", "¥4,500" without the
 * sign): in that currency's minor units (cents; yen and won have none), no finer than the currency counts.
 */
const declaredValueField = (currency: CardCurrency) =>
  z.preprocess(
    (value) => (value == null ? "" : String(value)),
    z.string().transform((text, ctx) => {
      const number = parseDecimal(text, 1_000_000_000);
      if (number === null) {
        ctx.addIssue({ code: "custom", message: "validation.required" });
        return z.NEVER;
      }
      const minor = number === "invalid" ? NaN : number * 10 ** CURRENCY_DECIMALS[currency];
      if (!Number.isFinite(minor) || Math.abs(minor - Math.round(minor)) > 1e-6) {
        ctx.addIssue({ code: "custom", message: messageWithParams("gifts.validation.declaredValue", { decimals: CURRENCY_DECIMALS[currency] }) });
        return z.NEVER;
      }
      return Math.round(minor);
    }),
  );
const declaredItemRows = (currency: CardCurrency) =>
  z.preprocess(
    (value) => (Array.isArray(value) ? value.filter((row) => !isBlankRow(row)) : []),
    z
      .array(giftItemSchema.extend({ unitValue: declaredValueField(currency) }))
      .min(1, "gifts.validation.itemsRequired")
      .max(MAX_GIFT_ITEMS, "validation.tooMany"),
  );

/** The rate the manager converts a foreign declared value at: đồng for one unit, the day, and where it comes from. */
const declaredRateSchema = z.object({
  rate: rateField.refine((rate): rate is number => rate !== null, "validation.required"),
  rateDate: pastDayField("gifts.validation.rateDateInFuture"),
  rateSource: optionalText(200).refine((value) => value.length >= 3, "gifts.validation.rateSourceRequired"),
});

/** Hours, whole or with one decimal ("1,5" or "1.5"), as tenths of an hour so the amount is exact. */
const hoursField = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const textValue = String(value).trim().replace(",", ".");
  if (!/^\d+(\.\d)?$/.test(textValue)) {
    ctx.addIssue({ code: "custom", message: "gifts.validation.hours" });
    return z.NEVER;
  }
  const tenths = Math.round(Number(textValue) * 10);
  if (tenths <= 0 || tenths > MAX_VOLUNTEER_HOURS * 10) {
    ctx.addIssue({ code: "custom", message: "gifts.validation.hours" });
    return z.NEVER;
  }
  return tenths;
});

const organisationSchema = z.object({
  legalName: text(200).refine((value) => value.length >= 2, "validation.required"),
  taxCode: optionalText(20).refine((value) => value === "" || isValidEnterpriseTaxCode(value), "validation.taxCode"),
});
/** An organisation abroad: its registration number in its own country, if the manager has it (no Vietnamese check digit). */
const foreignOrganisationSchema = z.object({
  legalName: text(200).refine((value) => value.length >= 2, "validation.required"),
  registrationNumber: optionalText(40).refine((value) => value === "" || REGISTRATION_NUMBER_SHAPE.test(value), "pledge.validation.registrationNumber"),
});
/** Blank means Việt Nam (the form's default). */
const countryField = z.preprocess((value) => (value == null || value === "" ? HOME_COUNTRY : value), z.string().refine(isCountryCode, "validation.invalidChoice"));
const individualSchema = z.object({ fullName: personNameField });
/** An optional field that, when filled in, must pass the shared field schema (with its own message). */
const optional = <S extends z.ZodTypeAny>(field: S) =>
  z
    .preprocess((value) => (value == null ? "" : String(value).trim()), z.string())
    .superRefine((value, ctx) => {
      if (value === "") return;
      const result = field.safeParse(value);
      if (!result.success) for (const issue of result.error.issues) ctx.addIssue({ code: "custom", message: issue.message });
    })
    .transform((value) => (value === "" ? "" : (field.parse(value) as string)));
const contactSchema = z.object({ email: optional(emailField), phone: optional(phoneField) });

const baseSchema = z.object({
  /** A random token put in the form when it is rendered: the same form submitted twice records once. */
  clientToken: z.preprocess((value) => (value == null ? "" : value), z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, "gifts.validation.clientToken")),
  method: choice(OFFLINE_METHODS),
  receivedAt: receivedAtField,
  donorType: choice(OFFLINE_DONOR_TYPES),
  /** The pledge this gift pays (optional); the gift is then recorded under the pledge's donor. */
  pledgeReference: z.preprocess(
    (value) => (typeof value === "string" ? value.replace(/\s+/g, "").toUpperCase() : value == null ? "" : value),
    z.string().refine((value) => value === "" || PLEDGE_REFERENCE.test(value), "gifts.validation.pledgeReference"),
  ),
  /** Cash voucher (phiếu thu) or bank statement number. */
  voucher: optionalText(100),
  // Checked in superRefine, by method and donor type.
  country: z.unknown().optional(),
  legalName: z.unknown().optional(),
  taxCode: z.unknown().optional(),
  registrationNumber: z.unknown().optional(),
  fullName: z.unknown().optional(),
  email: z.unknown().optional(),
  phone: z.unknown().optional(),
  amount: z.unknown().optional(),
  items: z.unknown().optional(),
  valuationBasis: z.unknown().optional(),
  /** Goods: the currency their unit values are declared in (đồng unless the goods come from abroad). */
  valueCurrency: z.unknown().optional(),
  rate: z.unknown().optional(),
  rateDate: z.unknown().optional(),
  rateSource: z.unknown().optional(),
  hours: z.unknown().optional(),
  ratePerHour: z.unknown().optional(),
  hoursMode: z.unknown().optional(),
});
type Base = z.infer<typeof baseSchema>;

/** Runs a part's schema and copies its issues onto the whole form (same field paths). */
function part<S extends z.ZodTypeAny>(schema: S, value: unknown, ctx: z.RefinementCtx, prefix: Array<string | number> = []): z.output<S> | undefined {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) ctx.addIssue({ code: "custom", message: issue.message, path: [...prefix, ...issue.path] });
  return undefined;
}

function methodPart(value: Base, ctx: z.RefinementCtx) {
  switch (value.method) {
    case "cash":
    case "bank_transfer": {
      const amount = part(positiveAmount, value.amount ?? "", ctx, ["amount"]);
      return amount === undefined ? undefined : { amount, items: [] as GiftItem[], valuationBasis: null, declaredIn: null, hours: null };
    }
    case "in_kind": {
      const currency = part(choice(GOODS_CURRENCIES), value.valueCurrency || "vnd", ctx, ["valueCurrency"]);
      if (currency === undefined) return undefined;
      const basis = part(optionalText(1000).refine((v) => v.length >= 3, "gifts.validation.valuationRequired"), value.valuationBasis, ctx, ["valuationBasis"]);
      let items: GiftItem[] | undefined;
      let declaredIn: DeclaredIn | null = null;
      if (currency === "vnd") {
        items = part(itemRows, value.items, ctx, ["items"]);
      } else {
        // Declared abroad in their currency: each unit's value in đồng at the manager's dated rate, to the đồng.
        const declared = part(declaredItemRows(currency), value.items, ctx, ["items"]);
        const rate = part(declaredRateSchema, { rate: value.rate, rateDate: value.rateDate, rateSource: value.rateSource }, ctx);
        if (!declared || !rate) return undefined;
        declaredIn = { currency, rate: rate.rate, rateDate: rate.rateDate, rateSource: rate.rateSource };
        items = declared.map((item) => ({ ...item, unitValue: Math.round((item.unitValue / 10 ** CURRENCY_DECIMALS[currency]) * rate.rate), declaredUnitValue: item.unitValue }));
        const zero = items.findIndex((item) => item.unitValue < 1);
        if (zero >= 0) {
          ctx.addIssue({ code: "custom", path: ["items", zero, "unitValue"], message: "gifts.validation.declaredValueTooSmall" });
          return undefined;
        }
      }
      if (!items || basis === undefined) return undefined;
      const amount = items.reduce((sum, item) => sum + item.quantity * item.unitValue, 0);
      if (!Number.isSafeInteger(amount) || amount > HARD_MAX_AMOUNT) {
        ctx.addIssue({ code: "custom", path: ["items"], message: messageWithParams("validation.amountTooLarge", { maxVnd: HARD_MAX_AMOUNT }) });
        return undefined;
      }
      return { amount, items, valuationBasis: basis, declaredIn, hours: null };
    }
    case "volunteer_hours": {
      const tenths = part(hoursField, value.hours ?? "", ctx, ["hours"]);
      const rate = part(positiveAmount, value.ratePerHour ?? "", ctx, ["ratePerHour"]);
      // Given on site or remotely (an expert abroad teaching online); on site unless said.
      const mode = part(choice(HOURS_MODES), value.hoursMode || "in_person", ctx, ["hoursMode"]);
      if (tenths === undefined || rate === undefined || mode === undefined) return undefined;
      const tenfold = tenths * rate;
      if (!Number.isSafeInteger(tenfold) || tenfold % 10 !== 0) {
        ctx.addIssue({ code: "custom", path: ["hours"], message: "gifts.validation.hoursAmountWhole" });
        return undefined;
      }
      return { amount: tenfold / 10, items: [] as GiftItem[], valuationBasis: null, declaredIn: null, hours: { hours: tenths / 10, ratePerHour: rate, mode } };
    }
    default:
      return undefined;
  }
}

export type OfflineDonorInput =
  | { type: "organisation"; legalName: string; country: string; taxCode: string | null; registrationNumber: string | null; email: string | null; phone: string | null }
  | { type: "individual"; fullName: string; country: string; email: string | null; phone: string | null }
  | { type: "anonymous" }
  /** A pledge reference was given: the gift goes under the pledge's donor. */
  | { type: "pledge_donor" };

function donorPart(value: Base, ctx: z.RefinementCtx): OfflineDonorInput | undefined {
  // With a pledge reference the gift goes under the pledge's donor: the donor fields are not used.
  if (value.pledgeReference) return { type: "pledge_donor" };
  if (value.donorType === "anonymous") return { type: "anonymous" };
  const contact = part(contactSchema, { email: value.email, phone: value.phone }, ctx);
  const country = part(countryField, value.country, ctx, ["country"]);
  if (value.donorType === "organisation") {
    // A Vietnamese organisation's tax code, or an organisation abroad's own number (the other field is ignored).
    if (country !== undefined && country !== HOME_COUNTRY) {
      const organisation = part(foreignOrganisationSchema, { legalName: value.legalName ?? "", registrationNumber: value.registrationNumber }, ctx);
      if (!organisation || !contact) return undefined;
      return { type: "organisation", legalName: organisation.legalName, country, taxCode: null, registrationNumber: organisation.registrationNumber || null, email: contact.email || null, phone: contact.phone || null };
    }
    const organisation = part(organisationSchema, { legalName: value.legalName ?? "", taxCode: value.taxCode }, ctx);
    if (!organisation || !contact || country === undefined) return undefined;
    return { type: "organisation", legalName: organisation.legalName, country, taxCode: organisation.taxCode || null, registrationNumber: null, email: contact.email || null, phone: contact.phone || null };
  }
  if (value.donorType === "individual") {
    const individual = part(individualSchema, { fullName: value.fullName ?? "" }, ctx);
    if (!individual || !contact || country === undefined) return undefined;
    return { type: "individual", fullName: individual.fullName, country, email: contact.email || null, phone: contact.phone || null };
  }
  return undefined;
}

export const offlineGiftSchema = baseSchema
  .superRefine((value, ctx) => {
    // Runs even when a base field failed ("dirty"), so all messages show at once.
    methodPart(value, ctx);
    donorPart(value, ctx);
  })
  .transform((value, ctx) => {
    const money = methodPart(value, ctx);
    const donor = donorPart(value, ctx);
    if (!money || !donor) return z.NEVER;
    return {
      clientToken: value.clientToken,
      method: value.method,
      receivedAt: value.receivedAt,
      pledgeReference: value.pledgeReference || null,
      voucher: value.voucher || null,
      donor,
      ...money,
    };
  });

export type OfflineGiftInput = z.output<typeof offlineGiftSchema>;

/** The amount the form's money fields come to (for the live total in the browser), or null while incomplete. */
export function previewGiftAmount(values: Record<string, unknown>): number | null {
  const method = OFFLINE_METHODS.find((m) => m === values.method);
  if (!method) return null;
  const silent = { addIssue: () => undefined, path: [] } as unknown as z.RefinementCtx;
  return methodPart({ ...values, method, valuationBasis: "(preview)" } as Base, silent)?.amount ?? null;
}
