import type { z } from 'zod';
import { type InputError, inputError } from './input-error.js';

/** Returns the value at a zod issue's path in the raw input, to show the user what was wrong. */
export function valueAtPath(input: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** Renders a zod path as "positions[2].qty". */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text === '' ? String(key) : `.${String(key)}`;
  }
  return text;
}

/** Converts zod's issues on `input` into located input errors. */
export function zodIssuesToInputErrors(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  source: string,
  line: number | null,
): InputError[] {
  return issues.map((issue) => {
    const field = issue.path.length === 0 ? null : formatPath(issue.path);
    const value = issue.path.length === 0 ? undefined : valueAtPath(input, issue.path);
    return inputError(source, line, field, value, issue.message);
  });
}
