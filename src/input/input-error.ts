/**
 * Input that could not be accepted, located precisely: the file, the line (1-based, for line-oriented files), the
 * field path and the offending value, so a user can fix it without guessing. Never carries a stack trace.
 */
export interface InputError {
  readonly code: 'BAD_INPUT';
  readonly source: string;
  readonly line: number | null;
  readonly field: string | null;
  readonly value: string | null;
  readonly message: string;
}

/** Returns an input error. */
export function inputError(
  source: string,
  line: number | null,
  field: string | null,
  value: unknown,
  message: string,
): InputError {
  return { code: 'BAD_INPUT', source, line, field, value: describeValue(value), message };
}

/** Returns a short printable form of an offending value (strings quoted, long values cut). */
export function describeValue(value: unknown): string | null {
  if (value === undefined) return null;
  let text: string;
  try {
    text = JSON.stringify(value) ?? typeof value;
  } catch {
    text = typeof value === 'bigint' ? value.toString() : typeof value;
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Formats an input error as one line: "events.jsonl:3: field qty: must be a decimal string (value: 2)". */
export function formatInputError(error: InputError): string {
  const where = error.line === null ? error.source : `${error.source}:${error.line}`;
  const field = error.field === null ? '' : ` field ${error.field}:`;
  const value = error.value === null ? '' : ` (value: ${error.value})`;
  return `${where}:${field} ${error.message}${value}`;
}

/** Returns a one-line reason for a file-system error ("no such file", "permission denied"), without a stack. */
export function describeFsError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
