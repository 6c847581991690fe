import { Error as DBOSErrors } from "@dbos-inc/dbos-sdk";
import {
  AppError,
  ConflictError,
  isDatabaseUnavailable,
  isTransactionConflict,
  NotFoundError,
  UnavailableError,
} from "@wfc/core";

// DBOS's and pg's errors as core's domain errors, which `app.onError` maps to statuses.

const UNDEFINED_TABLE = "42P01";

/** Runs a DBOS/pg call and translates what it throws into core's domain errors. */
export async function translate<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toDomainError(error);
  }
}

/** The domain error for what a DBOS or pg call threw (unknown errors pass unchanged). */
export function toDomainError(error: unknown): unknown {
  if (error instanceof DBOSErrors.DBOSConflictingWorkflowError) {
    return new ConflictError("This workflow_id is already used by a different kind of workflow", {
      cause: error,
    });
  }
  if (error instanceof DBOSErrors.DBOSNonExistentWorkflowError) {
    return new NotFoundError("Workflow not found", { cause: error });
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (code === UNDEFINED_TABLE) {
    return new UnavailableError("The database is not initialised yet: start a worker first", {
      cause: error,
    });
  }
  if (error instanceof AppError) return error;
  // Which failures are the database's availability, not the request's fault: see core.
  if (isTransactionConflict(error)) {
    return new UnavailableError("The request conflicted with a concurrent one, retry shortly", {
      cause: error,
    });
  }
  if (isDatabaseUnavailable(error)) {
    return new UnavailableError("The database is unavailable, retry shortly", { cause: error });
  }
  return error;
}
