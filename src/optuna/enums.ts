// Optuna's enums as they are stored in its tables: by NAME, one VARCHAR each
// (`trials.state`, `study_directions.direction`).

export const trialStates = ['RUNNING', 'COMPLETE', 'PRUNED', 'FAIL', 'WAITING'] as const;
export type TrialState = (typeof trialStates)[number];

export const studyDirections = ['NOT_SET', 'MINIMIZE', 'MAXIMIZE'] as const;
export type StudyDirection = (typeof studyDirections)[number];

export const isTrialState = (value: unknown): value is TrialState =>
  typeof value === 'string' && (trialStates as readonly string[]).includes(value);

export const isStudyDirection = (value: unknown): value is StudyDirection =>
  typeof value === 'string' && (studyDirections as readonly string[]).includes(value);

/** Optuna's `TrialState.is_finished()`: no attribute or value may change afterwards. */
export const isFinishedTrialState = (state: TrialState): boolean =>
  state === 'COMPLETE' || state === 'PRUNED' || state === 'FAIL';

/** Reads a stored state; an unknown name means the database is not Optuna's, so it is an error. */
export function trialStateFromStored(stored: string): TrialState {
  if (!isTrialState(stored)) throw new Error(`Unknown Optuna trial state in the database: ${JSON.stringify(stored)}`);
  return stored;
}

export function studyDirectionFromStored(stored: string): StudyDirection {
  if (!isStudyDirection(stored)) {
    throw new Error(`Unknown Optuna study direction in the database: ${JSON.stringify(stored)}`);
  }
  return stored;
}
