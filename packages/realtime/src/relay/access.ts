import { createHash, timingSafeEqual } from "node:crypto";
import { isWildcardHost } from "@wfc/core";

/** Why a request may not use the relay: its status and `detail`. */
export interface Refusal {
  status: 401 | 421;
  detail: string;
  headers?: Record<string, string>;
}

const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();

/** The host name of a `Host` header: without its port, IPv6 brackets kept, lower case. */
export function hostName(header: string): string {
  const host = header.trim().toLowerCase();
  if (host.startsWith("[")) return host.slice(0, host.indexOf("]") + 1);
  const colon = host.indexOf(":");
  return colon < 0 ? host : host.slice(0, colon);
}

/**
 * Who may use the relay: a request whose `Host` is the relay's own address or one of
 * `allowedHosts` (a web page that rebinds its own name to this address sends its own name), and
 * that carries `Authorization: Bearer <secret>`, compared in constant time.
 * @returns a function answering a request's refusal, or undefined when it may proceed.
 */
export function relayAccess({
  secret,
  host,
  allowedHosts,
}: {
  secret: string;
  host: string;
  allowedHosts: string[];
}): (headers: { host?: string; authorization?: string }) => Refusal | undefined {
  // A configured address is a bare name or address (IPv6 unbracketed, as `listen` takes it).
  const configured = (name: string) =>
    hostName(name.includes(":") && !name.startsWith("[") ? `[${name}]` : name);
  const allowed = new Set(allowedHosts.map(configured));
  if (!isWildcardHost(host)) allowed.add(configured(host));
  const expected = digest(`Bearer ${secret}`);
  return ({ host: sent, authorization }) => {
    if (!allowed.has(hostName(sent ?? "")))
      return { status: 421, detail: "This relay does not answer under that host name" };
    // Digests: equal lengths for the comparison, whatever was sent.
    if (!timingSafeEqual(digest(authorization ?? ""), expected))
      return {
        status: 401,
        detail: "The relay needs its secret (Authorization: Bearer <CHANGE_RELAY_SECRET>)",
        headers: { "www-authenticate": "Bearer" },
      };
    return undefined;
  };
}
