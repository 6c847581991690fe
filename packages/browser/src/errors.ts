/**
 * An answer other than 2xx. `detail` is the API's `{"detail": ...}` message (FastAPI's shape),
 * `status` the HTTP status, `retryAfter` the seconds a 503 asks to wait.
 */
export class WorkflowApiError extends Error {
  override name = "WorkflowApiError";

  constructor(
    readonly status: number,
    readonly detail: string,
    readonly retryAfter?: number,
  ) {
    super(`${status}: ${detail}`);
  }

  /** Builds the error from a non-2xx response, whatever its body. */
  static async from(response: Response): Promise<WorkflowApiError> {
    const text = await response.text();
    let detail = text || response.statusText;
    try {
      const body = JSON.parse(text) as { detail?: unknown };
      if (typeof body.detail === "string") detail = body.detail;
    } catch {
      // Not JSON (a proxy's error page): keep the text.
    }
    const retryAfter = Number(response.headers.get("retry-after") ?? Number.NaN);
    return new WorkflowApiError(
      response.status,
      detail,
      Number.isFinite(retryAfter) ? retryAfter : undefined,
    );
  }
}
