// Optuna keeps non-finite floats out of its FLOAT columns: the value column is NULL and a type
// column (`value_type`, `intermediate_value_type`) names the special value.

export const trialValueTypes = ['FINITE', 'INF_POS', 'INF_NEG'] as const;
export type TrialValueType = (typeof trialValueTypes)[number];
export const intermediateValueTypes = [...trialValueTypes, 'NAN'] as const;
export type IntermediateValueType = (typeof intermediateValueTypes)[number];

export interface StoredFloat<Type extends string> {
  value: number | null;
  type: Type;
}

/**
 * A stored value and its type column → the float Optuna means. Rows written before Optuna
 * had type columns may hold ±inf in the value itself; SQLite returns those as ±Infinity, and
 * a NULL FINITE value has no meaning but NaN.
 */
export function floatFromStored(value: number | null, type: string): number {
  switch (type) {
    case 'INF_POS':
      return Number.POSITIVE_INFINITY;
    case 'INF_NEG':
      return Number.NEGATIVE_INFINITY;
    case 'NAN':
      return Number.NaN;
    default:
      return value ?? Number.NaN;
  }
}

/** Optuna's `TrialValueModel.value_to_stored_repr`; trial values cannot be NaN. */
export function trialValueToStored(value: number): StoredFloat<TrialValueType> {
  if (Number.isNaN(value)) throw new RangeError('A trial value cannot be NaN');
  if (value === Number.POSITIVE_INFINITY) return { value: null, type: 'INF_POS' };
  if (value === Number.NEGATIVE_INFINITY) return { value: null, type: 'INF_NEG' };
  return { value, type: 'FINITE' };
}

/** Optuna's `TrialIntermediateValueModel.intermediate_value_to_stored_repr`. */
export function intermediateValueToStored(value: number): StoredFloat<IntermediateValueType> {
  if (Number.isNaN(value)) return { value: null, type: 'NAN' };
  return trialValueToStored(value);
}
