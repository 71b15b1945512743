import type { LoaderFunctionArgs } from "@remix-run/node";
import { DOCUMENT_CACHE, publicJson, publicNotFound } from "~/utils/public-documents.server";
import { recognitionConfig } from "~/utils/recognition.server";
import { ServiceError } from "~/utils/service-errors.server";
import { achievementDocument } from "~/utils/certificates.server";

/**
 * /certificates/types/<ruleId> — one kind of certificate (a rule's tier) as an Open Badges
 * `Achievement`: what a credential's `achievement.id` resolves to. Public, readable from any origin.
 */
export async function loader({ params }: LoaderFunctionArgs) {
  try {
    return publicJson(await achievementDocument(params.ruleId ?? "", await recognitionConfig()), DOCUMENT_CACHE, { "Content-Type": "application/ld+json" });
  } catch (error) {
    if (error instanceof ServiceError && error.code === "not_found") return publicNotFound();
    throw error;
  }
}
