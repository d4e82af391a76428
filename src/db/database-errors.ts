// The database layer's own errors, in storage terms. The layers above decide what a client is
// told (appErrorOfDatabaseError in src/errors.ts says what each means to a client; app-services.ts maps an unusable
// database to a start-up error).

/** The file at `path` cannot serve as this server's Optuna database; the message is one line. */
export class UnusableDatabaseError extends Error {
  override name = 'UnusableDatabaseError';

  constructor(
    /** The database file as given. */
    readonly path: string,
    /** What is wrong with it, worded to follow the path. */
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${path} ${problem}`, options);
  }
}

/** The study or trial a write names does not exist (any more). */
export class OwnerNotFoundError extends Error {
  override name = 'OwnerNotFoundError';

  constructor(
    readonly kind: 'study' | 'trial',
    readonly id: number,
  ) {
    super(`no ${kind} with id ${id}`);
  }
}

/** Artifacts were to be added to a finished trial, which Optuna forbids. */
export class TrialClosedError extends Error {
  override name = 'TrialClosedError';

  constructor(
    readonly trialNumber: number,
    readonly state: string,
  ) {
    super(`trial #${trialNumber} is ${state}`);
  }
}

/** A study with that name exists already (Optuna's study names are unique). */
export class StudyNameTakenError extends Error {
  override name = 'StudyNameTakenError';

  constructor(readonly studyName: string) {
    super(`a study named ${JSON.stringify(studyName)} exists`);
  }
}

/** The database did not answer in time: locked by another process past the busy timeout, or closed. */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
}

/** A value is larger than its column can hold (MySQL's TEXT: 65,535 bytes); nothing was written. */
export class ValueTooLargeError extends Error {
  override name = 'ValueTooLargeError';

  constructor(
    /** What the value is, for the message (e.g. "the artifact metadata"). */
    readonly what: string,
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`${what} takes ${bytes} bytes; the database holds at most ${maxBytes}`);
  }
}
