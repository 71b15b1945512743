import type { SessionUser } from "#models/user.server";

/**
 * Who may do what — plain functions over the signed-in user, used by the route guards
 * (app/utils/auth.server.ts) and again inside services, so a service never trusts its caller.
 */
export function hasRole(user: SessionUser, roles: readonly SessionUser["role"][]) {
  return user.role === "admin" || roles.includes(user.role);
}

/** An institution's private data: its managers, its province's officer, ministry officers, admins. */
export function canAccessInstitution(user: SessionUser, institution: { id: string; provinceSlug: string }) {
  switch (user.role) {
    case "admin":
    case "ministry_officer":
      return true;
    case "province_officer":
      return user.provinceSlug === institution.provinceSlug;
    case "manager":
      return user.institutionIds.includes(institution.id);
    default:
      return false;
  }
}

/** Approving or rejecting an institution: ministry officers, admins, or the officer of its province. */
export function canReviewInstitution(user: SessionUser, institution: { provinceSlug: string }) {
  return user.role === "admin" || user.role === "ministry_officer" || (user.role === "province_officer" && user.provinceSlug === institution.provinceSlug);
}

/** Creating and editing programmes: the institution's own managers (and admins). Officers only look. */
export function canManageProgrammes(user: SessionUser, institutionId: string) {
  return user.role === "admin" || (user.role === "manager" && user.institutionIds.includes(institutionId));
}

/** Province-wide views: that province's officer, ministry officers and admins. */
export function canAccessProvince(user: SessionUser, provinceSlug: string) {
  return user.role === "admin" || user.role === "ministry_officer" || (user.role === "province_officer" && user.provinceSlug === provinceSlug);
}
