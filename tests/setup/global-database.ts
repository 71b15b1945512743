import path from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedDatabase } from "../../scripts/lib/database.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    mongoServerUri: string;
    /** The embedded database's folder (its files are `<database>.sqlite`); "" on a given server. */
    embeddedDataDir: string;
  }
}

/**
 * One throwaway database server for the whole run: MONGODB_URI_TEST or MONGODB_URI when given
 * (each test file still gets its own database on it; MONGODB_URI_TEST_DATA_DIR names the folder of an
 * embedded one), otherwise an embedded FerretDB on a free port
 * with its data in a folder that is removed afterwards.
 */
export default async function setup(project: TestProject) {
  const given = process.env.MONGODB_URI_TEST ?? process.env.MONGODB_URI;
  if (given) {
    project.provide("mongoServerUri", given);
    // `npm test` starts the embedded database itself and says where its files are.
    project.provide("embeddedDataDir", process.env.MONGODB_URI_TEST ? (process.env.MONGODB_URI_TEST_DATA_DIR ?? "") : "");
    return;
  }
  const dataDir = path.resolve(".data", `test-${process.pid}-${project.name}`);
  const db = await startEmbeddedDatabase({
    dataDir,
    persistent: false,
    log: () => {},
  });
  project.provide("mongoServerUri", db.uri);
  project.provide("embeddedDataDir", db.kind === "ferretdb" ? dataDir : "");
  return async () => {
    await db.stop();
  };
}
