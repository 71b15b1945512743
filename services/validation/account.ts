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

/** "Forgot your password?" (decision 0019). */
export const forgotPasswordSchema = z.object({
  email: emailField,
});

/** A new password from a reset link: the same rules as registration, typed twice. */
export const resetPasswordSchema = z
  .object({
    password: passwordField,
    confirmPassword: z.string({ required_error: "validation.required" }).min(1, "validation.required"),
  })
  .refine((value) => value.password === value.confirmPassword, { path: ["confirmPassword"], message: "resetPassword.mismatch" });
