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

/**
 * Returns true for a control character (C0, DEL, C1), a line or paragraph separator or a bidirectional override: a
 * character that, echoed from an input line to a terminal, would move the cursor, clear the screen, retitle the window
 * or reorder the text.
 */
export function isUnprintable(code: number): boolean {
  return code <= 0x1f || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029
    || (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069);
}

/**
 * Returns the text with every {@link isUnprintable} character written as an escape (`\x1b`, `\u202e`), so an error
 * message that quotes an input line prints as one line of visible characters and never drives the terminal.
 */
export function escapeControl(text: string): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (!isUnprintable(code)) continue;
    out += text.slice(start, i) + (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
    start = i + 1;
  }
  return start === 0 ? text : out + text.slice(start);
}

/**
 * Formats an input error as one line: "events.jsonl:3: field qty: must be a decimal string (value: 2)". Control
 * characters that came from the input (in the message, the field or the file name) are escaped.
 */
export function formatInputError(error: InputError): string {
  const where = error.line === null ? error.source : `${error.source}:${error.line}`;
  const field = error.field === null ? '' : ` field ${error.field}:`;
  const value = error.value === null ? '' : ` (value: ${error.value})`;
  return escapeControl(`${where}:${field} ${error.message}${value}`);
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
      return escapeControl(error instanceof Error ? error.message : String(error));
  }
}
