/**
 * What a service says when it will not do something. Routes turn these into responses
 * (app/utils/service-errors.server.ts); the message is a translation key.
 */
export type ServiceErrorCode = "forbidden" | "not_found" | "invalid" | "conflict";

export class ServiceError extends Error {
  constructor(
    public readonly code: ServiceErrorCode,
    message: string,
    public readonly fieldErrors: Record<string, string[]> = {},
  ) {
    super(message);
    this.name = "ServiceError";
  }
}

export const forbidden = (message = "errors.forbidden") => new ServiceError("forbidden", message);
export const notFound = (message = "errors.notFound") => new ServiceError("not_found", message);
export const invalid = (fieldErrors: Record<string, string[]>, message = "validation.fixErrors") => new ServiceError("invalid", message, fieldErrors);
