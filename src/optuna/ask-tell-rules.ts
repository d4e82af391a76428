// Optuna's rules for creating studies and finishing trials (`create_study`, `Study.tell`,
// `set_trial_state_values`) as pure functions: what may be asked, and what is actually stored.
import { badUserInput, trialFinished } from '../errors.js';
import { isFinishedTrialState, type StudyDirection, type TrialState } from './enums.js';

/** `studies.study_name` is VARCHAR(512); Optuna's MySQL/PostgreSQL storages enforce it. */
export const maxStudyNameLength = 512;

/**
 * Optuna sets no limit on a study's objectives, but each is a `study_directions` row and a value
 * in every finished trial, and many-objective optimisation stops making sense long before a
 * hundred (Optuna's own multi-objective samplers are built and tested for a handful). The cap
 * keeps one createStudy from writing an unbounded number of rows.
 */
export const maxStudyDirections = 100;

/** Checks a new study's name and directions; Optuna's default is one MINIMIZE objective. */
export function validateNewStudy(name: string, directions: readonly StudyDirection[] | null): StudyDirection[] {
  if (name.length === 0) throw badUserInput('A study name cannot be empty');
  if (name.length > maxStudyNameLength) {
    throw badUserInput(`A study name can have at most ${maxStudyNameLength} characters`);
  }
  const chosen = directions ?? ['MINIMIZE'];
  if (chosen.length === 0) throw badUserInput('A study needs at least one direction');
  if (chosen.length > maxStudyDirections)
    throw badUserInput(`A study can have at most ${maxStudyDirections} directions (objectives)`);
  if (chosen.includes('NOT_SET')) throw badUserInput('Study directions must be MINIMIZE or MAXIMIZE');
  return [...chosen];
}

export interface TrialFinishRequest {
  state: TrialState;
  /** One value per objective for COMPLETE; none for PRUNED and FAIL. */
  values: readonly number[] | null;
}

export interface TrialBeingFinished {
  number: number;
  state: TrialState;
  directionCount: number;
  /** The intermediate value at the largest step, if any (Optuna's `last_step`). */
  lastIntermediateValue: number | null;
}

export interface TrialFinishPlan {
  state: TrialState;
  values: number[] | null;
}

/** Checks a tell against the trial and returns what to store; throws an AppError otherwise. */
export function planTrialFinish(request: TrialFinishRequest, trial: TrialBeingFinished): TrialFinishPlan {
  if (!isFinishedTrialState(request.state)) {
    throw badUserInput(`A trial can only be finished as COMPLETE, PRUNED or FAIL, not ${request.state}`);
  }
  if (isFinishedTrialState(trial.state)) {
    throw trialFinished(
      `Trial #${trial.number} is already ${trial.state}; only RUNNING or WAITING trials can be finished`,
    );
  }
  const values = request.values ?? [];
  if (request.state !== 'COMPLETE') {
    if (values.length > 0) throw badUserInput(`Values cannot be given when a trial is finished as ${request.state}`);
    return { state: request.state, values: request.state === 'PRUNED' ? prunedTrialValues(trial) : null };
  }
  if (values.length !== trial.directionCount) {
    throw badUserInput(
      `A COMPLETE trial needs one value per objective: the study has ${trial.directionCount}, ${values.length} given`,
    );
  }
  if (values.some((value) => Number.isNaN(value))) {
    throw badUserInput('NaN is not a valid trial value; finish the trial as FAIL instead');
  }
  return { state: 'COMPLETE', values: [...values] };
}

/** Optuna stores the last intermediate value of a pruned single-objective trial as its value. */
function prunedTrialValues(trial: TrialBeingFinished): number[] | null {
  const last = trial.lastIntermediateValue;
  if (trial.directionCount !== 1 || last === null || Number.isNaN(last)) return null;
  return [last];
}
