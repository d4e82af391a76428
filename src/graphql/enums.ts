// Optuna's enums in the schema, with the names Optuna stores.
import { studyDirections, trialStates, type TrialState } from '../optuna/enums.js';
import { builder } from './builder.js';

export const StudyDirectionEnum = builder.enumType('StudyDirection', { values: studyDirections });

export const TrialStateEnum = builder.enumType('TrialState', { values: trialStates });

/** A states filter as a stable key: sorted, without duplicates; null/absent = every state. */
export function normalizedStates(states: readonly TrialState[] | null | undefined): TrialState[] | null {
  if (states == null) return null;
  return trialStates.filter((state) => states.includes(state));
}
