import { LINKS } from "@wfc/core";
import { newTokenKey } from "@wfc/tokens";

/**
 * The capability tokens' key ring for a local stack, linked to the API and the worker as `sst dev`
 * links it (`TokenKeys`, an SST secret): TOKEN_KEYS when the user set it (so tokens their own
 * backend mints with that ring verify here), else a development key made anew for each run, like
 * the API role's password: tokens and approval links then last as long as the stack. Never
 * printed.
 */
export function tokenKeysLink(configured: string | undefined): Record<string, string> {
  const value = configured || newTokenKey("local");
  return {
    [`SST_RESOURCE_${LINKS.tokenKeys}`]: JSON.stringify({ type: "sst.sst.Secret", value }),
  };
}
