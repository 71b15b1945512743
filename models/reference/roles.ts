/** The roles of Góp Sức's users (PRODUCT.md "Who uses it"). Admins hold every role. */
export const ROLES = ["donor", "manager", "province_officer", "ministry_officer", "admin"] as const;
export type Role = (typeof ROLES)[number];
