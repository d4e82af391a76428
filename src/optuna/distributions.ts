// `trial_params` holds each parameter in Optuna's INTERNAL representation (a float; for a
// categorical, the index into `choices`). This module turns it into the external value the user
// suggested, using the row's `distribution_json`, as Optuna's `to_external_repr` does.
import { BoundedMap } from '../bounded-map.js';
import { parsePythonJson } from './python-json.js';

export interface ParamDistribution {
  name: string;
  attributes: Record<string, unknown>;
}

const floatDistributions = new Set([
  'FloatDistribution',
  // Names from Optuna < 3.0, still read by Optuna's json_to_distribution.
  'UniformDistribution',
  'LogUniformDistribution',
  'DiscreteUniformDistribution',
]);
const intDistributions = new Set(['IntDistribution', 'IntUniformDistribution', 'IntLogUniformDistribution']);

/**
 * Parsed distributions, by their JSON text: the parameters of a study's trials mostly share a
 * handful of distributions. Keyed by the stored text itself, so an entry never goes stale; the
 * objects are shared and must not be mutated. Bounded: oldest entries go first.
 */
const distributionsByJson = new BoundedMap<string, ParamDistribution>(10_000);

/** Optuna's `distribution_json` → {name, attributes}; throws when it is not a distribution. */
export function parseDistributionJson(distributionJson: string): ParamDistribution {
  let distribution = distributionsByJson.get(distributionJson);
  if (distribution === undefined) {
    distribution = parseDistribution(distributionJson);
    distributionsByJson.set(distributionJson, distribution);
  }
  return distribution;
}

function parseDistribution(distributionJson: string): ParamDistribution {
  const parsed = parsePythonJson(distributionJson);
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    typeof (parsed as { name?: unknown }).name !== 'string' ||
    typeof (parsed as { attributes?: unknown }).attributes !== 'object' ||
    (parsed as { attributes?: unknown }).attributes === null
  ) {
    throw new Error(`Not an Optuna distribution: ${distributionJson}`);
  }
  return parsed as ParamDistribution;
}

/** Internal (stored) parameter value → the value the objective function saw. */
export function externalParamValue(internal: number, distribution: ParamDistribution): unknown {
  if (floatDistributions.has(distribution.name)) return internal;
  if (intDistributions.has(distribution.name)) return Math.trunc(internal);
  if (distribution.name === 'CategoricalDistribution') {
    const choices = distribution.attributes.choices;
    const index = Math.trunc(internal);
    if (!Array.isArray(choices) || index < 0 || index >= choices.length) {
      throw new Error(`Categorical index ${internal} is outside the choices of ${JSON.stringify(distribution)}`);
    }
    return choices[index];
  }
  throw new Error(`Unknown Optuna distribution ${JSON.stringify(distribution.name)}`);
}
