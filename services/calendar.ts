/**
 * Calendar days in Vietnam (Asia/Ho_Chi_Minh, UTC+7 all year, no daylight saving). Due dates and end
 * dates are days, not instants: an instalment due today is not overdue until today has passed there.
 */
/** Asia/Ho_Chi_Minh is UTC+7 all year (no daylight saving since 1975). The one copy of this offset. */
export const VN_OFFSET_MS = 7 * 60 * 60 * 1000;
export const DAY_MS = 24 * 60 * 60 * 1000;

/** Midnight in Vietnam of a calendar day (month 1–12), as an instant. */
export function vietnamMidnight(year: number, month: number, day: number): Date {
  return new Date(Date.UTC(year, month - 1, day) - VN_OFFSET_MS);
}

/** A wall-clock time in Vietnam (month 1–12), as an instant. */
export function vietnamTime(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): Date {
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second) - VN_OFFSET_MS);
}

/** The moment as Vietnam's wall clock reads it, in a Date's UTC fields (for calendar arithmetic). */
export function vietnamWallClock(date: Date): Date {
  return new Date(date.getTime() + VN_OFFSET_MS);
}

/** yyyy-mm-dd of the day in Vietnam (date inputs, file names). */
export function vietnamDateInput(date: Date): string {
  return vietnamWallClock(date).toISOString().slice(0, 10);
}

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
