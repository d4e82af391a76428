// The errors a client is told about, each built here: a stable machine code (GraphQL
// `extensions.code`) and the HTTP status it means (GraphQL responses and the plain HTTP routes).
import {
  DatabaseUnavailableError,
  OwnerNotFoundError,
  StudyNameTakenError,
  TrialClosedError,
  ValueTooLargeError,
} from './db/database-errors.js';

export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'PAYLOAD_TOO_LARGE'
  | 'TRIAL_FINISHED'
  | 'STORE_UNAVAILABLE'
  | 'DATABASE_UNAVAILABLE'
  | 'CURSOR_EXPIRED'
  | 'TOO_MANY_SUBSCRIPTIONS'
  | 'UPLOAD_EXPIRED'
  | 'UPLOAD_MISMATCH';

const httpStatusOfCode: Record<ErrorCode, number> = {
  BAD_USER_INPUT: 400,
  NOT_FOUND: 404,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  PAYLOAD_TOO_LARGE: 413,
  TRIAL_FINISHED: 409,
  STORE_UNAVAILABLE: 503,
  DATABASE_UNAVAILABLE: 503,
  // The resource (a replay from that point) is gone for good: refetch, then subscribe anew.
  CURSOR_EXPIRED: 410,
  // Not a wrong argument: the same subscription is accepted once the client ends another.
  TOO_MANY_SUBSCRIPTIONS: 429,
  // The staged upload is gone for good (expired, aborted, or its bytes never arrived): start a new one.
  UPLOAD_EXPIRED: 410,
  // The request was understood, but the bytes sent are not the ones declared.
  UPLOAD_MISMATCH: 422,
};

/** An error whose message is safe to show to the client as it is. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly httpStatus: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.httpStatus = httpStatusOfCode[code];
  }
}

export const badUserInput = (message: string): AppError => new AppError('BAD_USER_INPUT', message);
export const notFound = (message: string): AppError => new AppError('NOT_FOUND', message);
export const unauthenticated = (message: string): AppError => new AppError('UNAUTHENTICATED', message);
export const forbidden = (message: string): AppError => new AppError('FORBIDDEN', message);
export const payloadTooLarge = (message: string): AppError => new AppError('PAYLOAD_TOO_LARGE', message);
export const trialFinished = (message: string): AppError => new AppError('TRIAL_FINISHED', message);
export const storeUnavailable = (message: string, cause?: unknown): AppError =>
  new AppError('STORE_UNAVAILABLE', message, { cause });

export const databaseUnavailable = (message: string, cause?: unknown): AppError =>
  new AppError('DATABASE_UNAVAILABLE', message, { cause });
export const cursorExpired = (message: string): AppError => new AppError('CURSOR_EXPIRED', message);
export const uploadExpired = (message: string): AppError => new AppError('UPLOAD_EXPIRED', message);
export const uploadMismatch = (message: string): AppError => new AppError('UPLOAD_MISMATCH', message);
export const tooManySubscriptions = (message: string): AppError => new AppError('TOO_MANY_SUBSCRIPTIONS', message);

export const studyNotFound = (studyId: number): AppError => notFound(`No study with id ${studyId}`);
export const trialNotFound = (trialId: number): AppError => notFound(`No trial with id ${trialId}`);
/** Optuna's own rule for attribute writes, which artifacts are. */
export const trialClosedToArtifacts = (trialNumber: number, state: string): AppError =>
  trialFinished(`Trial #${trialNumber} is ${state}; Optuna accepts artifacts only on RUNNING or WAITING trials`);
export const studyNameTaken = (name: string): AppError =>
  badUserInput(`A study named ${JSON.stringify(name)} already exists`);

export const isAppError = (error: unknown): error is AppError => error instanceof AppError;

/**
 * What the client is told about an error of the database layer (which speaks in storage terms,
 * src/db/database-errors.ts); undefined for any other error.
 */
export function appErrorOfDatabaseError(error: unknown): AppError | undefined {
  if (error instanceof DatabaseUnavailableError) return databaseUnavailable(error.message, error);
  if (error instanceof OwnerNotFoundError)
    return error.kind === 'study' ? studyNotFound(error.id) : trialNotFound(error.id);
  if (error instanceof TrialClosedError) return trialClosedToArtifacts(error.trialNumber, error.state);
  if (error instanceof StudyNameTakenError) return studyNameTaken(error.studyName);
  if (error instanceof ValueTooLargeError) return badUserInput(`${error.message}: shorten it`);
  return undefined;
}
