// The Study type, the queries that find studies, and createStudy.
import { badUserInput } from '../errors.js';
import { validateNewStudy } from '../optuna/ask-tell-rules.js';
import { builder } from './builder.js';
import { normalizedStates, StudyDirectionEnum, TrialStateEnum } from './enums.js';
import { StudyRef } from './node-refs.js';
import { decodeCursor, encodeCursor, forwardPageSize, pageFromRows } from './pagination.js';

StudyRef.implement({
  description: 'An Optuna study.',
  fields: (t) => ({
    studyId: t.exposeInt('studyId', { description: "Optuna's study_id." }),
    name: t.exposeString('name'),
    directions: t.field({
      type: [StudyDirectionEnum],
      description: 'One per objective.',
      resolve: (study) => study.directions,
    }),
    userAttrs: t.field({
      type: 'JSON',
      description: 'The study user attributes, as one object.',
      resolve: (study, _args, context) => context.loaders.current.studyUserAttributes.load(study.studyId),
    }),
    trialCount: t.int({
      description: 'Number of trials, only those in `states` when given.',
      args: { states: t.arg({ type: [TrialStateEnum], required: false }) },
      resolve: (study, args, context) =>
        context.loaders.current.trialCount(normalizedStates(args.states)).load(study.studyId),
    }),
  }),
});

export const StudyConnection = builder.connectionObject(
  { type: StudyRef, name: 'StudyConnection' },
  { name: 'StudyEdge' },
);

builder.queryFields((t) => ({
  studies: t.field({
    type: StudyConnection,
    description: 'Studies by id. `nameContains` matches part of the name (ASCII letters case-insensitively).',
    args: {
      first: t.arg.int({ required: false }),
      after: t.arg.string({ required: false }),
      nameContains: t.arg.string({ required: false }),
    },
    resolve: async (_root, args, context) => {
      const database = context.services.database;
      const size = forwardPageSize(args);
      const afterStudyId = args.after ? decodeCursor('study', args.after, 1)[0]! : null;
      const studies = await database.studies.page({
        nameContains: args.nameContains,
        afterStudyId,
        descending: false,
        limit: size + 1,
      });
      return pageFromRows(
        studies,
        { size, fromEnd: false, after: args.after ?? null, before: null },
        (study) => encodeCursor('study', [study.studyId]),
        () => database.studies.count(args.nameContains),
      );
    },
  }),
  study: t.field({
    type: StudyRef,
    nullable: true,
    description: 'A study by `studyId` or by `name` (when both are given, both must match).',
    args: { studyId: t.arg.int({ required: false }), name: t.arg.string({ required: false }) },
    resolve: async (_root, args, context) => {
      if (args.studyId == null && args.name == null) throw badUserInput('Give `studyId` or `name`');
      const studyId = args.studyId ?? (await context.services.database.studies.idByName(args.name!));
      if (studyId === null) return null;
      const study = await StudyRef.getDataloader(context).load(studyId);
      return study && (args.name == null || study.name === args.name) ? study : null;
    },
  }),
}));

builder.mutationFields((t) => ({
  createStudy: t.field({
    type: StudyRef,
    description: "Optuna's create_study: a new study with these directions (default: one MINIMIZE).",
    args: {
      name: t.arg.string({ required: true }),
      directions: t.arg({ type: [StudyDirectionEnum], required: false }),
    },
    resolve: (_root, args, context) =>
      context.services.database.studyWrites.create(args.name, validateNewStudy(args.name, args.directions ?? null)),
  }),
}));
