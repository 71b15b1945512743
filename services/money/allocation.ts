/**
 * Money paid on a pledge goes to its instalments in order (by `seq`): the first until it is paid in
 * full, then the next. The one place this is decided — a pledge's stored instalments and state
 * (services/money/projections.ts fulfilmentOf), what a statement line is expected to pay
 * (services/reconciliation.ts nextDueAmount) and the finance page's overdue instalments all use it.
 */
export function allocateToInstalments<T extends { amount: number; seq?: number }>(instalments: readonly T[], paid: number): Array<{ instalment: T; paid: number }> {
  let left = Math.max(0, paid);
  const ordered = instalments.every((i) => typeof i.seq === "number") ? [...instalments].sort((a, b) => a.seq! - b.seq!) : [...instalments];
  return ordered.map((instalment) => {
    const share = Math.min(left, instalment.amount);
    left -= share;
    return { instalment, paid: share };
  });
}
