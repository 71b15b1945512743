import { z } from "zod";
import { emailField, passwordField, personNameField } from "./fields";

export const loginSchema = z.object({
  email: emailField,
  password: z.string({ required_error: "validation.required" }).min(1, "validation.required"),
  redirectTo: z.string().optional(),
});

export const registerSchema = z.object({
  name: personNameField,
  email: emailField,
  password: passwordField,
  redirectTo: z.string().optional(),
});

/** The new password typed a second time. */
const repeatedPassword = z.string({ required_error: "validation.required" }).min(1, "validation.required");

/** /account/password: the current password, and the new one twice (the same rules as registration). */
export const changePasswordSchema = z
  .object({
    currentPassword: z.string({ required_error: "validation.required" }).min(1, "validation.required").max(200, "validation.passwordTooLong"),
    newPassword: passwordField,
    confirmPassword: repeatedPassword,
  })
  .refine((v) => v.newPassword === v.confirmPassword, { path: ["confirmPassword"], message: "passwordChange.mismatch" });

/** /account/sessions: end one session (by its id) or every session but this one. */
export const sessionActionSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("end"), sessionId: z.string().regex(/^[0-9a-f]{24}$/i, "sessions.notFound") }),
  z.object({ intent: z.literal("endOthers") }),
]);

/** "Forgot your password?" (decision 0019). */
export const forgotPasswordSchema = z.object({
  email: emailField,
});

/** A new password from a reset link: the same rules as registration, typed twice. */
export const resetPasswordSchema = z
  .object({
    password: passwordField,
    confirmPassword: repeatedPassword,
  })
  .refine((value) => value.password === value.confirmPassword, { path: ["confirmPassword"], message: "resetPassword.mismatch" });
