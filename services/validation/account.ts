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
