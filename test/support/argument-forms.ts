// One GraphQL operation written in each way a client may pass its arguments — as literals, as
// variables named unlike the arguments, as variable defaults, inside named and inline fragments,
// as one operation among several chosen by `operationName` — so that a test can demand the
// same answer from every form.

/** An argument's value and its type as the schema declares it (`Int!`, `[TrialState!]`). */
export interface ArgumentValue {
  type: string;
  value: unknown;
}

export interface OperationTemplate {
  kind: 'query' | 'mutation' | 'subscription';
  /** The root selection with `%name` where argument `name` goes: `study(studyId: %studyId) { name }`. */
  selection: string;
  args: Record<string, ArgumentValue>;
  /** Variables every form passes the same way (an upload's file), e.g. `{ blob: 'Upload!' }`. */
  fixedVariables?: Record<string, string>;
}

export interface WrittenOperation {
  form: string;
  query: string;
  /** Values of the form's own variables only (fixed variables are added by the caller). */
  variables: Record<string, unknown>;
  operationName?: string;
  /**
   * Run the same document with this `operationName` first: a server that caches a compiled
   * operation by document alone would then answer with that one.
   */
  warmUpOperationName?: string;
}

/** Schema enums: their literals are bare names. */
const enumTypes = new Set(['TrialState', 'StudyDirection']);

export function argumentForms(template: OperationTemplate): WrittenOperation[] {
  const names = Object.keys(template.args);
  const variableOf = (name: string) => `arg${names.indexOf(name)}`;
  const root = template.kind === 'query' ? 'Query' : template.kind === 'mutation' ? 'Mutation' : 'Subscription';
  const fixed = Object.entries(template.fixedVariables ?? {}).map(([name, type]) => `$${name}: ${type}`);
  const header = (declarations: string[]) => {
    const all = [...fixed, ...declarations];
    return all.length === 0 ? '' : `(${all.join(', ')})`;
  };
  const withLiterals = fill(template.selection, (name) =>
    literalOf(template.args[name]!.value, template.args[name]!.type),
  );
  const withVariables = fill(template.selection, (name) => `$${variableOf(name)}`);
  const declared = names.map((name) => `$${variableOf(name)}: ${template.args[name]!.type}`);
  const values = Object.fromEntries(names.map((name) => [variableOf(name), template.args[name]!.value]));
  // A non-null argument accepts a nullable variable that has a default.
  const declaredWithDefaults = names.map((name) => {
    const { type, value } = template.args[name]!;
    return `$${variableOf(name)}: ${type.replace(/!$/, '')} = ${literalOf(value, type)}`;
  });
  const { kind } = template;
  return [
    { form: 'literals', query: `${kind} ${header([])} { ${withLiterals} }`, variables: {} },
    { form: 'variables of other names', query: `${kind} ${header(declared)} { ${withVariables} }`, variables: values },
    { form: 'variable defaults', query: `${kind} ${header(declaredWithDefaults)} { ${withVariables} }`, variables: {} },
    {
      form: 'named fragment, literals',
      query: `${kind} ${header([])} { ...Chosen } fragment Chosen on ${root} { ${withLiterals} }`,
      variables: {},
    },
    {
      form: 'named fragment, variables',
      query: `${kind} ${header(declared)} { ...Chosen } fragment Chosen on ${root} { ${withVariables} }`,
      variables: values,
    },
    {
      form: 'inline fragment, variables',
      query: `${kind} ${header(declared)} { ... on ${root} { ${withVariables} } }`,
      variables: values,
    },
    {
      form: 'one of several operations',
      query: `query Decoy { __typename } ${kind} Chosen ${header(declared)} { ${withVariables} }`,
      variables: values,
      operationName: 'Chosen',
      warmUpOperationName: 'Decoy',
    },
  ];
}

/** The forms' names, in the order argumentForms writes them. */
export const argumentFormNames: readonly string[] = argumentForms({
  kind: 'query',
  selection: '__typename',
  args: {},
}).map((form) => form.form);

function fill(selection: string, argument: (name: string) => string): string {
  return selection.replace(/%(\w+)/g, (_, name: string) => argument(name));
}

/** `value` written as a GraphQL literal of `type`. */
export function literalOf(value: unknown, type: string): string {
  if (value === null || value === undefined) return 'null';
  const itemType = type.replace(/!$/, '').replace(/^\[(.*)\]$/, '$1');
  if (Array.isArray(value)) return `[${value.map((item) => literalOf(item, itemType)).join(', ')}]`;
  if (enumTypes.has(type.replace(/!$/, ''))) return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}
