// The custom scalars of the contract: DateTime, JSON, SafeInt, OptunaFloat. (Upload comes
// with the upload feature.)
import { GraphQLError, Kind, type ValueNode } from 'graphql';
import { builder } from './builder.js';

const nonFiniteNames = new Map<string, number>([
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
  ['NaN', Number.NaN],
]);

/** JSON has no ±inf/NaN, so they travel as these strings (Optuna values can be any of them). */
export function optunaFloatToJson(value: number): number | string {
  if (Number.isFinite(value)) return value;
  return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
}

function optunaFloatFromInput(value: unknown): number {
  if (typeof value === 'number' && !Number.isNaN(value)) return value;
  if (typeof value === 'string' && nonFiniteNames.has(value)) return nonFiniteNames.get(value)!;
  throw new GraphQLError('OptunaFloat must be a number or one of "Infinity", "-Infinity", "NaN"');
}

builder.scalarType('OptunaFloat', {
  description:
    'A float as Optuna stores it: a JSON number when finite, else the string "Infinity", "-Infinity" or "NaN".',
  serialize: (value) => optunaFloatToJson(value as number),
  parseValue: optunaFloatFromInput,
  parseLiteral: (node: ValueNode) => {
    if (node.kind === Kind.FLOAT || node.kind === Kind.INT) return Number(node.value);
    if (node.kind === Kind.STRING) return optunaFloatFromInput(node.value);
    throw new GraphQLError('OptunaFloat must be a number or one of "Infinity", "-Infinity", "NaN"');
  },
});

/** Makes a decoded attribute JSON-safe: non-finite numbers become the OptunaFloat strings. */
export function jsonSafe(value: unknown): unknown {
  if (typeof value === 'number') return optunaFloatToJson(value);
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, jsonSafe(item)]));
  }
  return value;
}

builder.scalarType('JSON', {
  description:
    'Any JSON value. Non-finite floats (which Python writes into JSON) appear as "Infinity", "-Infinity", "NaN".',
  serialize: jsonSafe,
  parseValue: (value) => value,
});

function safeIntFromInput(value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  throw new GraphQLError('SafeInt must be an integer between -(2^53-1) and 2^53-1');
}

builder.scalarType('SafeInt', {
  description: "An integer up to 2^53-1 (byte sizes beyond Int's 32 bits).",
  serialize: (value) => safeIntFromInput(value),
  parseValue: safeIntFromInput,
  parseLiteral: (node: ValueNode) => {
    if (node.kind !== Kind.INT) throw new GraphQLError('SafeInt must be an integer literal');
    return safeIntFromInput(Number(node.value));
  },
});

function dateTimeFromInput(value: unknown): string {
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
  throw new GraphQLError('DateTime must be an ISO-8601 date-time string');
}

builder.scalarType('DateTime', {
  description: 'An ISO-8601 date-time in UTC, e.g. 2026-11-28T04:50:00.918679Z.',
  serialize: (value) => value,
  parseValue: dateTimeFromInput,
  parseLiteral: (node: ValueNode) => {
    if (node.kind !== Kind.STRING) throw new GraphQLError('DateTime must be a string');
    return dateTimeFromInput(node.value);
  },
});
