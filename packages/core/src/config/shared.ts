import { LINK_MAX_TTL_SECONDS, TOKEN_MAX_TTL_SECONDS } from "@wfc/tokens";
import { z } from "zod";
import { baseUrl, positiveInt, postgresUrl, text, tokenKeyRing } from "./fields.js";

/** The application version both API and worker pin by default (docs/operations/releases.md). */
export const DEFAULT_APP_VERSION = "1";

/** Settings both the API and the worker read, with the same meaning. */
export const sharedSettings = {
  DBOS_SYSTEM_DATABASE_URL: postgresUrl.describe(
    "PostgreSQL connection string of the DBOS system database (the seed's name); where SST links a database, taken from the link",
  ),
  LIVE_FEEDS_PER_WORKFLOW: positiveInt(100).describe(
    "The most live feeds of one workflow that one API process, or the worker's change relay (which follows the feeds of every Lambda environment), keeps open at once; the next is answered 429 with Retry-After",
  ),
  APP_VERSION: text(64)
    .default(DEFAULT_APP_VERSION)
    .describe(
      "DBOS application version, the same on the API and the worker: a workflow runs on the workers of the version that started it. Change it on both sides together when a release changes how a workflow replays its steps",
    ),
  LOG_LEVEL: z
    .enum(["debug", "info", "warn", "error"])
    .default("info")
    .describe("Least severe log line written: debug, info, warn or error"),
  // Secret: no default.
  TOKEN_KEYS: tokenKeyRing().describe(
    `The capability tokens' and approval links' signing keys, the same value on the API and the worker: kid:secret,... oldest first; the last signs, any verifies (rotate: add, wait out the longest lifetime, ${TOKEN_MAX_TTL_SECONDS / 3600} h for tokens and ${LINK_MAX_TTL_SECONDS / 86400} days for links, remove). Secrets: base64url of 32+ random bytes. The API signs the tokens of POST /tokens and the links of POST /workflows/{id}/links and verifies both; the worker signs the approval links minted inside workflows. Unset: tokens and links off, and a workflow's approval links are refused (the workflow gets an error saying so)`,
  ),
  PUBLIC_API_URL: baseUrl().describe(
    "The API's public base URL (such as https://abc.execute-api.eu-west-1.amazonaws.com/production/ or http://localhost:8000), which approval links start with; kept without a trailing slash. Deployed, the API Gateway stage's URL. Unset: the API starts the links it mints with the request's origin, and links minted inside workflows have only their path",
  ),
};
