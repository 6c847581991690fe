/**
 * Domain errors with a stable `code`. Core knows no HTTP: the API maps codes to status codes.
 */
export type ErrorCode =
  "invalid" | "not_found" | "conflict" | "gone" | "unavailable" | "too_large" | "too_many";

export abstract class AppError extends Error {
  abstract readonly code: ErrorCode;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The request or input is malformed or out of range. */
export class InvalidInputError extends AppError {
  readonly code = "invalid";
}

/** The named workflow, event or resource does not exist. */
export class NotFoundError extends AppError {
  readonly code = "not_found";
}

/** The request conflicts with existing state (e.g. an ID used by another workflow kind). */
export class ConflictError extends AppError {
  readonly code = "conflict";
}

/** What was asked for existed and is no more, for good (a used or expired approval link). */
export class GoneError extends AppError {
  readonly code = "gone";
}

/** A dependency (the database) is unreachable or not ready; the caller may retry. */
export class UnavailableError extends AppError {
  readonly code = "unavailable";
}

/** The request body exceeds the configured limit. */
export class PayloadTooLargeError extends AppError {
  readonly code = "too_large";
}

/** Too many of something are open at once (live feeds); the caller may retry later. */
export class TooManyRequestsError extends AppError {
  readonly code = "too_many";
}
