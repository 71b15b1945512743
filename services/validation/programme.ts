import { z } from "zod";
import { CAMPAIGN_DAY_SLUGS } from "#models/reference/campaign-days";
import { THEME_SLUGS } from "#models/reference/themes";
import { dateInputField, isBlankRow, plainText, positiveVndAmountField, vndAmountField } from "./fields";

/** Checkbox groups arrive as one string or several; always an array here. */
const list = <S extends z.ZodTypeAny>(item: S) =>
  z.preprocess((value) => {
    // react-hook-form gives false (or null) for a group with nothing ticked; a form post gives nothing.
    if (value === undefined || value === null || value === false || value === "") return [];
    return Array.isArray(value) ? value : [value];
  }, z.array(item));

/** Repeating rows (budget lines, in-kind needs): blank rows are dropped before validation. */
const rows = <S extends z.ZodTypeAny>(row: S, max: number) =>
  z.preprocess((value) => (Array.isArray(value) ? value.filter((r) => !isBlankRow(r)) : []), z.array(row).max(max, "validation.tooMany"));

const positiveAmount = positiveVndAmountField;
const dateField = dateInputField;

export const budgetLineSchema = z.object({
  code: z.string().trim().regex(/^[A-Za-z0-9._-]{1,40}$/, "validation.budgetCode"),
  label: plainText(200, 1),
  amount: positiveAmount,
});

export const inKindNeedSchema = z.object({
  item: plainText(200, 1),
  unit: plainText(40, 1),
  quantity: z.coerce.number({ invalid_type_error: "validation.quantity" }).int("validation.quantity").positive("validation.quantity").max(1_000_000, "validation.quantity"),
  unitValue: vndAmountField,
});

export const MAX_BUDGET_LINES = 10;
export const MAX_IN_KIND_NEEDS = 10;

/** A programme as its managers write it. The same schema runs in the browser and in the action. */
export const programmeSchema = z
  .object({
    title: plainText(200, 5),
    summary: plainText(500, 10),
    description: plainText(20_000),
    themes: list(z.enum(THEME_SLUGS as unknown as [string, ...string[]], { errorMap: () => ({ message: "validation.invalidChoice" }) })).refine((v) => v.length > 0, "validation.themeRequired"),
    campaignDays: list(z.enum(CAMPAIGN_DAY_SLUGS as unknown as [string, ...string[]], { errorMap: () => ({ message: "validation.invalidChoice" }) })),
    startDate: dateField,
    endDate: dateField,
    goal: positiveAmount,
    budgetLines: rows(budgetLineSchema, MAX_BUDGET_LINES),
    inKindNeeds: rows(inKindNeedSchema, MAX_IN_KIND_NEEDS),
  })
  .superRefine((value, ctx) => {
    // zod still runs this after a field failed ("dirty"), so only compare what parsed.
    if (!(value.startDate instanceof Date) || !(value.endDate instanceof Date) || !Array.isArray(value.budgetLines)) return;
    if (value.endDate.getTime() < value.startDate.getTime()) ctx.addIssue({ code: "custom", path: ["endDate"], message: "validation.endBeforeStart" });
    const codes = value.budgetLines.map((line) => line.code.toUpperCase());
    if (new Set(codes).size !== codes.length) ctx.addIssue({ code: "custom", path: ["budgetLines"], message: "validation.budgetCodeDuplicate" });
    const budget = value.budgetLines.reduce((sum, line) => sum + line.amount, 0);
    if (budget > value.goal) ctx.addIssue({ code: "custom", path: ["budgetLines"], message: "validation.budgetOverGoal" });
  });

export type ProgrammeInput = z.infer<typeof programmeSchema>;
