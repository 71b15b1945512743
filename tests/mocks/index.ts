import { setupServer } from "msw/node";

/**
 * The network boundary for tests and demo mode. One handler file per outside provider is added
 * here (Stripe, in the payments issue); a request nothing handles is an error, not a warning.
 */
export const handlers = [];
export const server = setupServer(...handlers);
