import type { createApp } from "@wfc/api/app";

/**
 * The server's Hono app type: routes, parameters and JSON answers come from the server's code,
 * so a changed route is a compile error here rather than a surprise at run time.
 */
export type ApiApp = ReturnType<typeof createApp>;
