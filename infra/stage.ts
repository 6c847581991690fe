/** True on the stage that holds real data: stricter protection, a proxy, more capacity. */
export const isProduction = () => $app.stage === "production";

/**
 * The DBOS application version both sides pin (docs/operations/releases.md): one value per deploy, so a
 * workflow runs on the workers of the release that enqueued it.
 */
export const appVersion = () => process.env.APP_VERSION || "1";

/**
 * The API's `CORS_ORIGINS` on this stage: the comma-separated origins whose pages may call it,
 * set once per stage with `npx sst secret set CorsOrigins "https://app.example.com" --stage
 * <stage>` (SST keeps per-stage values there; this one is not secret, so it stays readable).
 * Unset, the functions get no `CORS_ORIGINS` and answer no CORS.
 */
export const corsOrigins = () => $util.unsecret(new sst.Secret("CorsOrigins", "").value);
