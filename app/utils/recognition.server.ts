import { loadIssuerKeys, parseRetiredKeys } from "#services/certificates/keys";
import type { RecognitionConfig } from "#services/recognition/certificates";
import { env } from "./env.server";

let config: Promise<RecognitionConfig> | null = null;

/** The platform's address and its certificate keys (SIGNING_KEY, SIGNING_KEYS_RETIRED), read once per process. */
export function recognitionConfig(): Promise<RecognitionConfig> {
  config ??= (async () => {
    const { APP_URL, SIGNING_KEY, SIGNING_KEYS_RETIRED } = env();
    const origin = new URL(APP_URL).origin;
    return { origin, keys: await loadIssuerKeys({ origin, signingKeyPem: SIGNING_KEY, retired: parseRetiredKeys(SIGNING_KEYS_RETIRED) }) };
  })();
  return config;
}
