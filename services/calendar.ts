/**
 * Calendar days in Vietnam (Asia/Ho_Chi_Minh, UTC+7 all year, no daylight saving). Due dates and end
 * dates are days, not instants: an instalment due today is not overdue until today has passed there.
 */
const VN_OFFSET_MS = 7 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The day in Vietnam as a number (days since 1970-01-01 there), for comparing days. */
export function vietnamDayNumber(date: Date): number {
  return Math.floor((date.getTime() + VN_OFFSET_MS) / DAY_MS);
}

/** Midnight in Vietnam at the start of `date`'s day there. */
export function startOfVietnamDay(date: Date): Date {
  return new Date(vietnamDayNumber(date) * DAY_MS - VN_OFFSET_MS);
}

/** True once the whole due day (in Vietnam) has passed: due 01/07 is overdue from 02/07 00:00 there. */
export function isPastDueDay(dueDate: Date, now: Date = new Date()): boolean {
  return vietnamDayNumber(now) > vietnamDayNumber(dueDate);
}
