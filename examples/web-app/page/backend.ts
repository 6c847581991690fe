/** The page's calls to its own backend (same origin): never to the API, never with a key. */

async function post<T>(path: string): Promise<T> {
  const response = await fetch(path, { method: "POST" });
  const body = (await response.json()) as T & { detail?: string };
  if (!response.ok) throw new Error(body.detail ?? `${path}: ${response.status}`);
  return body;
}

/** Asks the backend to start a review for this user; its workflow ID. */
export const startReview = async () =>
  (await post<{ workflow_id: string }>("/reviews")).workflow_id;

/**
 * A fresh token for the user's review: the hooks' `getToken`, called for the first token, again
 * before it expires and after a 401.
 */
export const reviewToken = async (id: string) =>
  (await post<{ token: string }>(`/reviews/${encodeURIComponent(id)}/token`)).token;
