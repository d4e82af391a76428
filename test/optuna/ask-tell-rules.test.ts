import { describe, expect, test } from 'vitest';
import { planTrialFinish, validateNewStudy, type TrialBeingFinished } from '../../src/optuna/ask-tell-rules.js';

const withCode = (code: string) => expect.objectContaining({ code });

const running: TrialBeingFinished = { number: 3, state: 'RUNNING', directionCount: 1, lastIntermediateValue: null };

describe('planTrialFinish (tell)', () => {
  test('COMPLETE stores one value per objective, infinities included', () => {
    expect(planTrialFinish({ state: 'COMPLETE', values: [Infinity] }, running)).toEqual({
      state: 'COMPLETE',
      values: [Infinity],
    });
    const twoObjectives = { ...running, directionCount: 2 };
    expect(planTrialFinish({ state: 'COMPLETE', values: [0.1, -Infinity] }, twoObjectives).values).toEqual([
      0.1,
      -Infinity,
    ]);
  });

  test('COMPLETE refuses NaN, a missing value and a wrong number of values', () => {
    expect(() => planTrialFinish({ state: 'COMPLETE', values: [Number.NaN] }, running)).toThrow(
      withCode('BAD_USER_INPUT'),
    );
    expect(() => planTrialFinish({ state: 'COMPLETE', values: null }, running)).toThrow(withCode('BAD_USER_INPUT'));
    expect(() => planTrialFinish({ state: 'COMPLETE', values: [1, 2] }, running)).toThrow(withCode('BAD_USER_INPUT'));
  });

  test('PRUNED keeps the last intermediate value of a single-objective trial, unless it is NaN', () => {
    expect(
      planTrialFinish({ state: 'PRUNED', values: null }, { ...running, lastIntermediateValue: 7.9 }).values,
    ).toEqual([7.9]);
    expect(
      planTrialFinish({ state: 'PRUNED', values: null }, { ...running, lastIntermediateValue: Number.NaN }).values,
    ).toBeNull();
    expect(
      planTrialFinish({ state: 'PRUNED', values: null }, { ...running, directionCount: 2, lastIntermediateValue: 1 })
        .values,
    ).toBeNull();
  });

  test('PRUNED and FAIL take no values', () => {
    expect(planTrialFinish({ state: 'FAIL', values: [] }, running)).toEqual({ state: 'FAIL', values: null });
    expect(() => planTrialFinish({ state: 'FAIL', values: [1] }, running)).toThrow(withCode('BAD_USER_INPUT'));
  });

  test('only RUNNING and WAITING trials can be finished, and only as a finished state', () => {
    expect(planTrialFinish({ state: 'FAIL', values: null }, { ...running, state: 'WAITING' }).state).toBe('FAIL');
    for (const state of ['COMPLETE', 'PRUNED', 'FAIL'] as const) {
      expect(() => planTrialFinish({ state: 'FAIL', values: null }, { ...running, state })).toThrow(
        withCode('TRIAL_FINISHED'),
      );
    }
    expect(() => planTrialFinish({ state: 'RUNNING', values: null }, running)).toThrow(withCode('BAD_USER_INPUT'));
  });
});

describe('validateNewStudy (create_study)', () => {
  test("defaults to Optuna's single MINIMIZE objective", () => {
    expect(validateNewStudy('s', null)).toEqual(['MINIMIZE']);
    expect(validateNewStudy('s', ['MAXIMIZE', 'MINIMIZE'])).toEqual(['MAXIMIZE', 'MINIMIZE']);
  });

  test('refuses NOT_SET, no directions, an empty or too long name', () => {
    expect(() => validateNewStudy('s', ['NOT_SET'])).toThrow(withCode('BAD_USER_INPUT'));
    expect(() => validateNewStudy('s', [])).toThrow(withCode('BAD_USER_INPUT'));
    expect(() => validateNewStudy('', null)).toThrow(withCode('BAD_USER_INPUT'));
    expect(() => validateNewStudy('x'.repeat(513), null)).toThrow(withCode('BAD_USER_INPUT'));
  });
});
