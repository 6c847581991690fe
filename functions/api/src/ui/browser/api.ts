import { $ } from "./dom.js";

const KEY_STORE = "wfc.apiKey";

// The key stays in a header and in this tab's sessionStorage: never in a URL, where access
// logs and the browser's history would keep it.
let apiKey = sessionStorage.getItem(KEY_STORE) || "";
let needKey = false;

/** Thrown once the API has answered 401: the page asks for a key instead of showing an error. */
export class Unauthorized extends Error {}

/** Request headers: the key's, when one is set, and `extra`. */
export const headers = (extra: Record<string, string> = {}): Record<string, string> => ({
  ...(apiKey ? { authorization: "Bearer " + apiKey } : {}),
  ...extra,
});

/** Whether the page waits for a key (a request was refused) before it polls again. */
export const waitingForKey = () => needKey;

/** Shows the key form, saying why. */
export function askForKey() {
  needKey = true;
  $("key-reason").textContent = apiKey ? "That key was not accepted." : "This API requires a key.";
  const section = $("key-section");
  if (section.hidden) {
    section.hidden = false;
    $("key-input").focus();
  }
}

/** Sends the key the user typed from now on. */
export function useKey(key: string) {
  apiKey = key;
  sessionStorage.setItem(KEY_STORE, apiKey);
  needKey = false;
}

/**
 * The JSON answer of the API at `path`.
 * @throws Unauthorized on a 401 (after asking for a key); Error with the answer's `detail`.
 */
export async function api<T>(
  path: string,
  init: Omit<RequestInit, "headers"> & { headers?: Record<string, string> } = {},
): Promise<T> {
  const response = await fetch(path, { ...init, headers: headers(init.headers) });
  if (response.status === 401) {
    askForKey();
    throw new Unauthorized("API key required");
  }
  const body = (await response.json().catch(() => ({}))) as { detail?: string };
  if (!response.ok) throw new Error(body.detail || response.status + " " + response.statusText);
  return body as T;
}
