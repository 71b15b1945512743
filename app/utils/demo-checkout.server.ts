/**
 * The demo checkout's server-side helpers (the msw Stripe stand-in's session encoding and event
 * shapes). Behind a `.server` module so none of it — nor node:crypto — reaches the browser bundle.
 */
export { checkoutSessionObject, decodeDemoSession, demoPaymentIntentId, stripeEvent } from "../../tests/mocks/stripe";
