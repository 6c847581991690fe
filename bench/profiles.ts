import { fileURLToPath } from "node:url";
import type pg from "pg";
import { runService } from "../scripts/local-stack/child.js";
import { createDatabase } from "./databases.js";
import { profileDispatch } from "./profile-dispatch.js";
import { profileMessage } from "./profile-message.js";

const root = fileURLToPath(new URL("../", import.meta.url));

/** Profiles, by `--profile` name: each prints where one row's time goes, hop by hop. */
const PROFILES: Record<string, (databaseUrl: string, samples: number) => Promise<string>> = {
  message: profileMessage,
  dispatch: profileDispatch,
};

/**
 * Runs one profile against a fresh database and the product worker (this system's settings).
 * @throws Error naming the profiles when `name` is none of them.
 */
export async function runProfile(name: string, admin: pg.Pool, adminUrl: string, samples: number) {
  const profile = PROFILES[name];
  if (!profile)
    throw new Error(`--profile: unknown '${name}' (${Object.keys(PROFILES).join(", ")})`);
  const databaseUrl = await createDatabase(admin, adminUrl, `bench_profile_${Date.now()}`);
  const worker = runService(
    "worker",
    `${root}bench/worker.ts`,
    {
      ...process.env,
      DBOS_SYSTEM_DATABASE_URL: databaseUrl,
      LOG_LEVEL: "warn",
      HEALTH_PORT: "0",
      RELAY_PORT: "0",
      EXECUTOR_ID: "bench-profile",
    },
    () => {},
  );
  try {
    await worker.ready;
    console.log(`Profile '${name}', ${samples} samples per side (after 5 to warm up):\n`);
    console.log(await profile(databaseUrl, samples));
  } finally {
    await worker.stop();
  }
}
