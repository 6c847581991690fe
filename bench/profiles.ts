import type pg from "pg";
import { startBenchWorker } from "./bench-worker.js";
import { createDatabase } from "./databases.js";
import { profileDispatch } from "./profile-dispatch.js";
import { profileEvent } from "./profile-event.js";
import { profileMessage } from "./profile-message.js";
import { profileThroughput, THROUGHPUT_PROFILE_SETTINGS } from "./profile-throughput.js";

/** Profiles, by `--profile` name: each prints where one row's time goes, hop by hop. */
const PROFILES: Record<string, (databaseUrl: string, samples: number) => Promise<string>> = {
  message: profileMessage,
  event: profileEvent,
  dispatch: profileDispatch,
};

/** Profiles that run their own workers, one per side, on databases of their own. */
const SIDE_BY_SIDE: Record<
  string,
  {
    run: (admin: pg.Pool, adminUrl: string, samples: number) => Promise<string>;
    /** Server settings it needs (the embedded server is started with them). */
    settings: Record<string, string>;
    /** Its sample count when `--samples` is not given. */
    samples: number;
  }
> = {
  throughput: { run: profileThroughput, settings: THROUGHPUT_PROFILE_SETTINGS, samples: 1000 },
};

/** Server settings the profile `name` needs, if any. */
export const profileServerSettings = (name: string) => SIDE_BY_SIDE[name]?.settings;

/** Its default sample count (`quick`: a smoke). */
export const profileSamples = (name: string, quick: boolean) =>
  quick ? 5 : (SIDE_BY_SIDE[name]?.samples ?? 200);

/**
 * Runs one profile against a fresh database and the product worker (this system's settings).
 * @throws Error naming the profiles when `name` is none of them.
 */
export async function runProfile(name: string, admin: pg.Pool, adminUrl: string, samples: number) {
  const sideBySide = SIDE_BY_SIDE[name];
  if (sideBySide) {
    console.log(`Profile '${name}':\n`);
    console.log(await sideBySide.run(admin, adminUrl, samples));
    return;
  }
  const profile = PROFILES[name];
  if (!profile) {
    const names = [...Object.keys(PROFILES), ...Object.keys(SIDE_BY_SIDE)];
    throw new Error(`--profile: unknown '${name}' (${names.join(", ")})`);
  }
  const databaseUrl = await createDatabase(admin, adminUrl, `bench_profile_${Date.now()}`);
  const worker = startBenchWorker(databaseUrl, "bench-profile");
  try {
    await worker.ready;
    console.log(`Profile '${name}', ${samples} samples per side (after 5 to warm up):\n`);
    console.log(await profile(databaseUrl, samples));
  } finally {
    await worker.stop();
  }
}
