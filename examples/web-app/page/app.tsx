import { createBrowserClient } from "@wfc/browser";
import { useMemo, useState } from "react";
import { reviewToken, startReview } from "./backend.js";
import { Review } from "./review.js";

// A reload goes on with the same review: its ID is in the address.
const reviewInAddress = () => new URLSearchParams(location.search).get("review") ?? undefined;

/** Starts a review through the backend, then shows it with a client holding only its token. */
export function App({ apiUrl }: { apiUrl: string }) {
  const [id, setId] = useState(reviewInAddress);
  const [error, setError] = useState<string>();
  // One client per review: its getToken asks the backend for that review's token.
  const client = useMemo(
    () => id && createBrowserClient({ baseUrl: apiUrl, getToken: () => reviewToken(id) }),
    [apiUrl, id],
  );
  const start = () =>
    startReview().then(
      (started) => {
        history.replaceState(null, "", `?review=${encodeURIComponent(started)}`);
        setId(started);
      },
      (failure: Error) => setError(failure.message),
    );

  return (
    <main>
      <h1>Document review</h1>
      {client && id ? (
        <Review client={client} id={id} />
      ) : (
        <button onClick={start}>Start a review</button>
      )}
      {error && <p role="alert">{error}</p>}
    </main>
  );
}
