import { setupServer } from "msw/node";
import { stripeHandlers } from "./stripe";

/**
 * The network boundary for tests and demo mode: one handler file per outside provider (Stripe).
 * A request nothing handles is an error, not a warning.
 */
export const handlers = [...stripeHandlers];
export const server = setupServer(...handlers);
