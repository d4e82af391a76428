import { describe, expect, test } from 'vitest';
import { externalParamValue, parseDistributionJson } from '../../src/optuna/distributions.js';
import { trialStateFromStored } from '../../src/optuna/enums.js';
import { floatFromStored, intermediateValueToStored, trialValueToStored } from '../../src/optuna/float-values.js';

describe('stored floats', () => {
  test('the type column names the non-finite values', () => {
    expect(floatFromStored(1.25, 'FINITE')).toBe(1.25);
    expect(floatFromStored(null, 'INF_POS')).toBe(Infinity);
    expect(floatFromStored(null, 'INF_NEG')).toBe(-Infinity);
    expect(floatFromStored(null, 'NAN')).toBeNaN();
  });

  test('values are written as Optuna writes them; NaN only as an intermediate value', () => {
    expect(trialValueToStored(0.5)).toEqual({ value: 0.5, type: 'FINITE' });
    expect(trialValueToStored(Infinity)).toEqual({ value: null, type: 'INF_POS' });
    expect(trialValueToStored(-Infinity)).toEqual({ value: null, type: 'INF_NEG' });
    expect(() => trialValueToStored(Number.NaN)).toThrow(RangeError);
    expect(intermediateValueToStored(Number.NaN)).toEqual({ value: null, type: 'NAN' });
  });
});

describe('params in external form', () => {
  const categorical = parseDistributionJson(
    '{"name": "CategoricalDistribution", "attributes": {"choices": [null, true, 3, 0.5, "auto"]}}',
  );

  test('a categorical index becomes the choice itself, whatever its type', () => {
    expect([0, 1, 2, 3, 4].map((index) => externalParamValue(index, categorical))).toEqual([
      null,
      true,
      3,
      0.5,
      'auto',
    ]);
  });

  test('an int distribution gives an integer, a float distribution the float', () => {
    const int = parseDistributionJson(
      '{"name": "IntDistribution", "attributes": {"log": true, "step": 1, "low": 8, "high": 256}}',
    );
    const float = parseDistributionJson(
      '{"name": "FloatDistribution", "attributes": {"step": null, "low": -10.0, "high": 10.0, "log": false}}',
    );
    expect(externalParamValue(143.0, int)).toBe(143);
    expect(externalParamValue(0.3279725540489231, float)).toBe(0.3279725540489231);
  });

  test('distributions of Optuna < 3.0 are still understood', () => {
    expect(externalParamValue(4.0, { name: 'IntUniformDistribution', attributes: { low: 1, high: 9 } })).toBe(4);
    expect(externalParamValue(0.25, { name: 'LogUniformDistribution', attributes: { low: 0.1, high: 1 } })).toBe(0.25);
  });

  test('an index outside the choices or an unknown distribution is an error', () => {
    expect(() => externalParamValue(5, categorical)).toThrow(/outside the choices/);
    expect(() => externalParamValue(1, { name: 'Mystery', attributes: {} })).toThrow(/Unknown Optuna distribution/);
    expect(() => parseDistributionJson('[]')).toThrow(/Not an Optuna distribution/);
  });
});

test('trial states are read by name and unknown names are refused', () => {
  expect(trialStateFromStored('PRUNED')).toBe('PRUNED');
  expect(() => trialStateFromStored('DONE')).toThrow(/Unknown Optuna trial state/);
});
