import fc from 'fast-check';

/**
 * Fragments an attacker or a careless user puts where a boundary expects something else: quotes and brackets that
 * break a syntax, numbers too large or too precise, impossible dates, control and terminal escape bytes, bidi
 * overrides, JSON that is not an object, YAML aliases and tags.
 */
export const HOSTILE_FRAGMENTS: readonly string[] = [
  '', ' ', '  ', '\t', '"', "'", '\\', '/', ',', ':', ';', '=', '&', '?', '#', '%', '%E0%A4%A', '%00', '[', ']', '{', '}',
  'null', 'true', '[]', '{}', '""', '-', '+', '0', '-0', '00', '-1', '1e9999', '1e-9999', '1e40', '9'.repeat(45),
  '0.0000000000000000001', '0.1e41', 'NaN', 'Infinity', '-Infinity', '0x10', '1_000', ' 0.5 ', '+0.5', '.5', '5.',
  '9007199254740993', '-9007199254740993', '2024-02-31T09:00:00Z', '2024-02-30T24:00:00Z', '2024-13-01T00:00:00Z',
  '\u0000', '\u0007', '\u001b[2J', '\u001b]0;pwned\u0007', '\u202e', '\u2028', '\r', '\n', '\r\n', '\ufeff', '\ud800',
  '__proto__', 'constructor', 'prototype', '&a', '*a', '!!binary', '!!js/function', '<<', '---', '...', '? ', '- ',
  'é', '日本', '😀', 'a'.repeat(300),
];

/** Any fragment of {@link HOSTILE_FRAGMENTS}, or a short random string of any code points. */
export const hostileFragment: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_FRAGMENTS) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
);

/** One edit of a text: replace, insert or delete at a position (a fraction of the length), or cut the text there. */
type Edit =
  | { readonly kind: 'replace' | 'insert'; readonly at: number; readonly length: number; readonly text: string }
  | { readonly kind: 'delete' | 'truncate'; readonly at: number; readonly length: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constantFrom('replace' as const, 'insert' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), length: fc.nat({ max: 12 }), text: hostileFragment }),
  fc.record({ kind: fc.constantFrom('delete' as const, 'truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), length: fc.nat({ max: 12 }) }),
);

/** Applies edits to a text, in order. */
function applyEdits(text: string, edits: readonly Edit[]): string {
  let out = text;
  for (const e of edits) {
    const at = Math.min(out.length, Math.floor(e.at * (out.length + 1)));
    switch (e.kind) {
      case 'replace': out = out.slice(0, at) + e.text + out.slice(at + e.length); break;
      case 'insert': out = out.slice(0, at) + e.text + out.slice(at); break;
      case 'delete': out = out.slice(0, at) + out.slice(at + e.length); break;
      case 'truncate': out = out.slice(0, at); break;
    }
  }
  return out;
}

/** A valid sample text with a few hostile edits (none at all now and then, so the accepted path is exercised too). */
export function mutated(sample: string, maxEdits = 4): fc.Arbitrary<string> {
  return fc.array(edit, { maxLength: maxEdits }).map((edits) => applyEdits(sample, edits));
}

/** One of the sample texts, mutated. */
export function mutatedOneOf(samples: readonly string[], maxEdits = 4): fc.Arbitrary<string> {
  return fc.constantFrom(...samples).chain((sample) => mutated(sample, maxEdits));
}

/**
 * A file built from sample lines: a few of them, each kept, mutated, duplicated or replaced by random text. The first
 * line is `head` (a CSV header) or a sample more often than not, so format detection passes and the reader behind it
 * is what gets fuzzed.
 */
export function mutatedLines(samples: readonly string[], maxLines = 12, head?: string): fc.Arbitrary<string> {
  const line = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...samples) },
    { weight: 4, arbitrary: mutatedOneOf(samples) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
    { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
  );
  const first = head === undefined ? fc.constantFrom(...samples) : fc.constant(head);
  return fc.tuple(fc.oneof({ weight: 3, arbitrary: first }, { weight: 1, arbitrary: line }), fc.array(line, { maxLength: maxLines }))
    .map(([top, rest]) => [top, ...rest].join('\n'));
}

/** Any JSON value, or a JSON-ish object with hostile values under the given keys. */
export function hostileObject(keys: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  const value = fc.oneof(hostileFragment, fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 2 }));
  return fc.dictionary(fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 8 })), value, { maxKeys: keys.length + 2 });
}
