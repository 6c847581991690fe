import { LINK_PATH_PREFIX } from "@wfc/tokens";

/**
 * A request's path as log lines may show it: an approval link's path is its credential (the
 * token after `/links/`), so that part is replaced. Every line that names a path goes through here.
 */
export function loggedPath(path: string): string {
  return path.startsWith(LINK_PATH_PREFIX) ? `${LINK_PATH_PREFIX}[redacted]` : path;
}
