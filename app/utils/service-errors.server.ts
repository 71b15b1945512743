import { ServiceError } from "#services/errors";
export { ServiceError };
import { formFailure } from "./forms.server";

/**
 * What a route does when a service refuses: forbidden → 403 page, not found → 404 page,
 * invalid → the form again with the messages (400). Anything else is a real error and propagates.
 */
export function serviceFailure(error: unknown, values: Record<string, string> = {}) {
  if (!(error instanceof ServiceError)) throw error;
  if (error.code === "forbidden") throw new Response(error.message, { status: 403 });
  if (error.code === "not_found") throw new Response(error.message, { status: 404 });
  return formFailure({ errors: error.fieldErrors, formError: error.message, values }, error.code === "conflict" ? 409 : 400);
}

/** For loaders: a refused read becomes the 403/404 page. */
export async function orRespond<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof ServiceError) {
      throw new Response(error.message, { status: error.code === "forbidden" ? 403 : error.code === "not_found" ? 404 : 400 });
    }
    throw error;
  }
}

/** For actions that answer with a toast: the refusal's message key (403/404 still become pages). */
export function refusalMessage(error: unknown): string {
  if (!(error instanceof ServiceError)) throw error;
  if (error.code === "forbidden") throw new Response(error.message, { status: 403 });
  if (error.code === "not_found") throw new Response(error.message, { status: 404 });
  return error.message;
}
