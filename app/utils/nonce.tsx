import { createContext, useContext } from "react";

/**
 * This response's Content-Security-Policy nonce (scripts/serve.mjs makes one per request): Remix's own
 * inline scripts carry it, so the policy allows no other inline script. Empty in the browser, which
 * hides nonces from the page.
 */
export const NonceContext = createContext("");
export const useNonce = () => useContext(NonceContext);
