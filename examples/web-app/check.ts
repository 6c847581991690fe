import { mintToken, type KeyRing } from "@wfc/tokens";

/**
 * What would break the page, asked of the API once at start-up, each as a warning with its fix
 * (the API may just not be up yet): a refused token (another TOKEN_KEYS than the API's), or
 * CORS_ORIGINS without the page's origin. @returns the warnings, none when all is well.
 */
export async function checkApi(apiUrl: string, ring: KeyRing, origins: string[]) {
  const probe = "web-app-example-probe";
  const { token } = await mintToken(
    ring,
    { workflow_id: probe, events: [], streams: [], topics: [] },
    60,
  );
  const ask = (init: RequestInit) => fetch(`${apiUrl}/workflows/${probe}`, init);
  let read: Response, preflights: Response[];
  try {
    read = await ask({ headers: { authorization: `Bearer ${token}` } });
    preflights = await Promise.all(
      origins.map((origin) =>
        ask({
          method: "OPTIONS",
          headers: { origin, "access-control-request-method": "GET" },
        }),
      ),
    );
  } catch (error) {
    return [`the API at ${apiUrl} does not answer (${String(error)}): is npm start running?`];
  }
  const warnings: string[] = [];
  // A verified token reaches its workflow's status: 404 here, as the probe never ran.
  if (read.status === 401) {
    const { detail } = (await read.json()) as { detail?: string };
    warnings.push(
      `the API refuses this example's tokens (${detail}): start npm start with the same TOKEN_KEYS`,
    );
  }
  if (!preflights.some((answer) => answer.headers.has("access-control-allow-origin")))
    warnings.push(
      `the API allows none of ${origins.join(", ")}: start npm start with CORS_ORIGINS=${origins[0]}`,
    );
  return warnings;
}
