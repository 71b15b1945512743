/**
 * The catalogue's server functions, for route loaders. Routes import them from here, not from
 * services/catalogue.ts directly: Remix's classic compiler empties `.server` modules only inside app/,
 * so this file keeps services → models → mongoose (and node:crypto) out of the browser bundle.
 */
export { catalogueFromSearchParams, getHomeCatalogue, getInstitutionPage, getPledgePlaceholder, getProgrammePage } from "#services/catalogue";
