/** True on the stage that holds real data: stricter protection, a proxy, more capacity. */
export const isProduction = () => $app.stage === "production";

/**
 * The DBOS application version both sides pin (README, "Versions"): one value per deploy, so a
 * workflow runs on the workers of the release that enqueued it.
 */
export const appVersion = () => process.env.APP_VERSION || "1";
