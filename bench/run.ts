import { startTemporaryPostgres, type EmbeddedDatabase } from "@wfc/local-stack/embedded-postgres";
import { readArgs } from "./args.js";
import { runContext } from "./context.js";
import { benchPool } from "./databases.js";
import { runMode } from "./mode.js";
import { profileSamples, profileServerSettings, runProfile } from "./profiles.js";
import { toMarkdown, writeReport } from "./report.js";
import { bundleSizeRows, coldInitRows, measureBundles } from "./rows/bundle.js";
import { costRows } from "./rows/costs.js";
import { lambdaModelRows, measureLambdaModels } from "./rows/lambda-model.js";
import { latencyRows, slowestFirstProgressNotes } from "./rows/latency.js";
import { probeCommitRates, throughputRows } from "./rows/throughput.js";
import { measureTokens, tokenRows } from "./rows/tokens.js";
import { measured } from "./stats.js";

const run = readArgs();

/**
 * One run: a server (embedded unless `DBOS_SYSTEM_DATABASE_URL` names one), then either a profile
 * or both sides' measurements and the groups measured once, as a table printed and written to
 * `<outBase>.json` and `.md`.
 */
async function main() {
  let embedded: EmbeddedDatabase | undefined;
  let adminUrl = process.env.DBOS_SYSTEM_DATABASE_URL;
  if (!adminUrl) {
    const settings = run.profile ? profileServerSettings(run.profile) : undefined;
    embedded = await startTemporaryPostgres("wfc-bench-", "postgres", { settings });
    adminUrl = embedded.adminUrl;
  }
  const admin = benchPool({
    connectionString: adminUrl,
    max: 2,
    application_name: "bench-admin",
  });
  try {
    if (run.profile) {
      const samples = run.samples ?? profileSamples(run.profile, run.quick);
      await runProfile(run.profile, admin, adminUrl, samples);
      return;
    }
    console.log(
      `Benchmark (${run.quick ? "quick smoke" : "full"}): naive baseline, then this system`,
    );
    const baseline = await runMode("baseline", run, admin, adminUrl, embedded !== undefined);
    const tuned = await runMode("tuned", run, admin, adminUrl, embedded !== undefined);
    const commitProbes = await probeCommitRates(run, adminUrl);
    const bundles = await measureBundles(run);
    const tokenCheck = await measureTokens(run, admin, adminUrl);
    const lambdaModels = await measureLambdaModels(run, admin, adminUrl);

    // The table's order; a group that was not run leaves its rows out.
    const rows = [
      ...latencyRows(baseline, tuned),
      ...throughputRows(run.sizes, baseline, tuned, commitProbes),
      ...costRows(run.sizes, baseline, tuned),
      ...bundleSizeRows(bundles),
      ...lambdaModelRows(lambdaModels),
      ...tokenRows(tokenCheck),
      ...coldInitRows(bundles),
    ].filter((row) => measured(row.tuned));
    const context = runContext(run, embedded !== undefined);
    const notes = slowestFirstProgressNotes(baseline, tuned);
    console.log(`\n${toMarkdown(rows, context, notes)}`);
    writeReport(run.outBase, rows, context, notes, {
      quick: run.quick,
      sizes: run.sizes,
      lambdaModel: lambdaModels.designs,
      throughput: { baseline: baseline.throughput, tuned: tuned.throughput, commitProbes },
      slowestFirstProgress: {
        baseline: baseline.slowestFirstProgress,
        tuned: tuned.slowestFirstProgress,
      },
      createdAt: new Date().toISOString(),
    });
    console.log(`Written to ${run.outBase}.json and ${run.outBase}.md`);
  } finally {
    await admin.end();
    await embedded?.stop();
  }
}

await main();
process.exit(0);
