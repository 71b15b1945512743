/** @type {import('@remix-run/dev').AppConfig} */
export default {
  appDirectory: "app",
  assetsBuildDirectory: "public/build",
  publicPath: "/build/",
  serverBuildPath: "build/index.js",
  serverModuleFormat: "esm",
  serverPlatform: "node",
  // Server-only packages stay external; everything our own code imports is bundled. i18n-iso-countries'
  // names are JSON files (Node's ESM loader would need an import attribute for them) and it requires
  // diacritics, which an ESM bundle cannot require: both bundled.
  serverDependenciesToBundle: [/^i18n-iso-countries(\/.*)?$/, /^diacritics$/],
  watchPaths: ["models/**/*", "services/**/*"],
  ignoredRouteFiles: ["**/.*", "**/*.test.*"],
  future: {
    v3_fetcherPersist: true,
    v3_relativeSplatPath: true,
    v3_throwAbortReason: true,
    v3_lazyRouteDiscovery: true,
  },
};
