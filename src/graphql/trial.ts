// The Trial type and what hangs off it, the trial fields of Study (trials, trial, bestTrial),
// and Optuna's ask/tell as createTrial/finishTrial.
import type { IntermediateValue, TrialParam } from '../db/queries/trial-detail-queries.js';
import type { TrialPosition, TrialRecord } from '../db/queries/trial-queries.js';
import { builder } from './builder.js';
import type { GraphQLContext } from './context.js';
import { normalizedStates, TrialStateEnum } from './enums.js';
import { StudyRef, TrialRef } from './node-refs.js';
import { decodeCursor, encodeCursor, pageFromRows, pageWindow } from './pagination.js';
import { selectedFieldNames } from './selection.js';

const TrialParamRef = builder.objectRef<TrialParam>('TrialParam').implement({
  description: 'A parameter of a trial.',
  fields: (t) => ({
    name: t.exposeString('name'),
    // Nullable although DESIGN.md sketches JSON!: a categorical choice can be Python's None,
    // and a JSON null is a GraphQL null.
    value: t.field({
      type: 'JSON',
      nullable: true,
      description:
        'The value the objective function received: the categorical choice itself (null for None), an int as an integer.',
      resolve: (param) => param.value,
    }),
    distribution: t.field({
      type: 'JSON',
      description: "Optuna's distribution JSON: {name, attributes}.",
      resolve: (param) => param.distribution,
    }),
  }),
});

const IntermediateValueRef = builder.objectRef<IntermediateValue>('IntermediateValue').implement({
  fields: (t) => ({
    step: t.exposeInt('step'),
    value: t.field({ type: 'OptunaFloat', resolve: (intermediate) => intermediate.value }),
  }),
});

TrialRef.implement({
  description: 'An Optuna trial.',
  fields: (t) => ({
    trialId: t.exposeInt('trialId', { description: "Optuna's trial_id (global across studies)." }),
    number: t.exposeInt('number', { description: '0-based index of the trial within its study.' }),
    study: t.field({ type: StudyRef, resolve: (trial) => trial.studyId }),
    state: t.field({ type: TrialStateEnum, resolve: (trial) => trial.state }),
    values: t.field({
      type: ['OptunaFloat'],
      nullable: true,
      description: 'One per objective; null when the trial has none (RUNNING, WAITING, FAIL, most PRUNED).',
      resolve: (trial, _args, context) => context.loaders.current.trialValues.get(trial.trialId),
    }),
    params: t.field({
      type: [TrialParamRef],
      resolve: (trial, _args, context) => context.loaders.current.trialParams.get(trial.trialId),
    }),
    intermediateValues: t.field({
      type: [IntermediateValueRef],
      description: 'Reported intermediate values, by step.',
      resolve: (trial, _args, context) => context.loaders.current.trialIntermediateValues.get(trial.trialId),
    }),
    userAttrs: t.field({
      type: 'JSON',
      resolve: (trial, _args, context) => context.loaders.current.trialUserAttributes.get(trial.trialId),
    }),
    datetimeStart: t.field({ type: 'DateTime', nullable: true, resolve: (trial) => trial.datetimeStart }),
    datetimeComplete: t.field({ type: 'DateTime', nullable: true, resolve: (trial) => trial.datetimeComplete }),
  }),
});

export const TrialConnection = builder.connectionObject(
  { type: TrialRef, name: 'TrialConnection' },
  { name: 'TrialEdge' },
);

const trialCursor = (position: TrialPosition): string => encodeCursor('trial', [position.number, position.trialId]);

function trialPositionFromCursor(cursor: string | null): TrialPosition | null {
  if (cursor === null) return null;
  const [number, trialId] = decodeCursor('trial', cursor, 2) as [number, number];
  return { number, trialId };
}

/**
 * Loads, one batch per field, what the selected fields of a page of trials need, so that
 * those fields resolve at once, without a promise per trial and field.
 */
async function prefetchTrialFields(
  trials: readonly TrialRecord[],
  selected: ReadonlySet<string>,
  context: GraphQLContext,
): Promise<void> {
  if (trials.length === 0) return;
  const loaders = context.loaders.current;
  const prefetchers: [string, { prefetch(keys: readonly number[]): Promise<void> }][] = [
    ['values', loaders.trialValues],
    ['params', loaders.trialParams],
    ['intermediateValues', loaders.trialIntermediateValues],
    ['userAttrs', loaders.trialUserAttributes],
    ['artifacts', loaders.trialArtifacts],
  ];
  const wanted = prefetchers.filter(([field]) => selected.has(field));
  if (wanted.length === 0) return;
  const trialIds = trials.map((trial) => trial.trialId);
  await Promise.all(wanted.map(([, loader]) => loader.prefetch(trialIds)));
}

builder.objectFields(StudyRef, (t) => ({
  trials: t.field({
    type: TrialConnection,
    description: 'Trials in number order, only those in `states` when given.',
    args: {
      ...t.arg.connectionArgs(),
      states: t.arg({ type: [TrialStateEnum], required: false }),
    },
    resolve: async (study, args, context, info) => {
      const window = pageWindow(args);
      const states = normalizedStates(args.states);
      const trials = await context.loaders.current
        .trialPage({
          states,
          after: trialPositionFromCursor(window.after),
          before: trialPositionFromCursor(window.before),
          fromEnd: window.fromEnd,
          limit: window.size + 1,
        })
        .load(study.studyId);
      await prefetchTrialFields(trials, selectedFieldNames(info, ['edges', 'node']), context);
      return pageFromRows(trials, window, trialCursor, () =>
        context.loaders.current.trialCount(states).load(study.studyId),
      );
    },
  }),
  trial: t.field({
    type: TrialRef,
    nullable: true,
    args: { number: t.arg.int({ required: true }) },
    resolve: (study, args, context) => context.loaders.current.trialByNumber.load([study.studyId, args.number]),
  }),
  bestTrial: t.field({
    type: TrialRef,
    nullable: true,
    description:
      "Optuna's best_trial for a single-objective study (ties: the earliest); null for multi-objective studies or before any COMPLETE trial.",
    resolve: (study, _args, context) => context.loaders.current.bestTrialId.load(study.studyId),
  }),
}));

builder.queryFields((t) => ({
  trial: t.field({
    type: TrialRef,
    nullable: true,
    args: { trialId: t.arg.int({ required: true }) },
    resolve: (_root, args) => args.trialId,
  }),
}));

builder.mutationFields((t) => ({
  createTrial: t.field({
    type: TrialRef,
    description: "Optuna's ask: a new RUNNING trial numbered after the study's other trials.",
    args: { studyId: t.arg.int({ required: true }) },
    resolve: (_root, args, context) => context.services.database.trialWrites.create(args.studyId),
  }),
  finishTrial: t.field({
    type: TrialRef,
    description:
      "Optuna's tell: finish a RUNNING or WAITING trial as COMPLETE (one value per objective, ±Infinity allowed, NaN refused), PRUNED or FAIL (no values).",
    args: {
      trialId: t.arg.int({ required: true }),
      state: t.arg({ type: TrialStateEnum, required: true }),
      values: t.arg({ type: ['OptunaFloat'], required: false }),
    },
    resolve: (_root, args, context) =>
      context.services.database.trialWrites.finish(args.trialId, { state: args.state, values: args.values ?? null }),
  }),
}));
