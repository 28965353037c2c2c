import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { LineCounter, type Node, isAlias, isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';
import { type Result, err, ok } from '../domain/result.js';
import { describeFsError } from './input-error.js';

/**
 * How much YAML a boundary reads. Every bound is checked before the work it protects: the size before the file is
 * read, the nesting before the text is parsed, the number of keys and items before the document is turned into data.
 */
export interface YamlLimits {
  /** Largest file or text, bytes. */
  readonly maxBytes: number;
  /** Most mapping keys plus sequence items in the document. */
  readonly maxNodes: number;
  /** Deepest nesting of collections (flow brackets, indentation, compact `- - -` entries). */
  readonly maxDepth: number;
  /** Most alias expansions when the document is turned into data (an alias bomb expands exponentially). */
  readonly maxAliasCount: number;
}

/** Limits of a settings file (config, its overlay, the secrets file): the complete example is 7 KB with 200 settings. */
export const SETTINGS_YAML_LIMITS: YamlLimits = { maxBytes: 256 * 1024, maxNodes: 10_000, maxDepth: 32, maxAliasCount: 100 };
/** Limits of a data file (instruments, gate scenarios): thousands of instruments or book levels. */
export const DATA_YAML_LIMITS: YamlLimits = { maxBytes: 4 * 1024 * 1024, maxNodes: 200_000, maxDepth: 32, maxAliasCount: 100 };

/** One reason a YAML text was refused, located when it can be. */
export interface YamlProblem {
  /** 1-based line, or null for the whole text. */
  readonly line: number | null;
  readonly column: number | null;
  /** What is wrong, in words ("is larger than 262144 bytes", "Map keys must be unique"). */
  readonly message: string;
}

/**
 * Reads a text file of at most `maxBytes` bytes, refusing a larger one before reading it, or returns a one-line
 * reason ("no such file", "is larger than 262144 bytes").
 */
export function readBoundedText(file: string, maxBytes: number): Result<string, string> {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    return err(describeFsError(error));
  }
  try {
    const size = fstatSync(fd).size;
    if (size > maxBytes) return err(`is larger than ${maxBytes} bytes (${size} bytes)`);
    const buffer = Buffer.alloc(size);
    let read = 0;
    while (read < size) {
      const got = readSync(fd, buffer, read, size - read, read);
      if (got === 0) break;
      read += got;
    }
    return ok(buffer.toString('utf8', 0, read));
  } catch (error) {
    return err(describeFsError(error));
  } finally {
    closeSync(fd);
  }
}

/** Characters after which a quote starts a quoted scalar (a plain scalar such as `it's` never starts with one). */
const SCALAR_START = new Set(['', '[', '{', ',', ':', '-', '?']);

/**
 * Returns the first line whose nesting, as the text shows it, is deeper than `maxDepth`, or null. Counts, outside
 * quoted scalars and comments, the open flow brackets, and on each line its indentation (4 columns a level at most)
 * and its compact block indicators (`- - - x`, `? ? x`). It errs towards counting too much, never too little: a
 * quote is taken to end at the end of its line, so no quote can hide the rest of the file. The parser recurses once
 * per level, and a few thousand levels exhaust the stack (the yaml library catches that, but the process can die of
 * it in native code first), so the bound is checked before the parser runs.
 */
export function deeperThan(text: string, maxDepth: number): number | null {
  let flow = 0;
  let line = 1;
  let quote: string | null = null;
  let atLineStart = true;
  let indent = 0;
  let indicators = 0;
  let previous = '';
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i]!;
    if (char === '\n') {
      line += 1;
      atLineStart = true;
      quote = null;
      indent = 0;
      indicators = 0;
      previous = '';
      continue;
    }
    if (quote !== null) {
      if (char === '\\' && quote === '"') i += 1;
      else if (char === quote) {
        quote = null;
        previous = char;
      }
      continue;
    }
    if (char === ' ' || char === '\t' || char === '\r') {
      if (atLineStart && char === ' ' && ++indent > 4 * maxDepth) return line;
      continue;
    }
    if (atLineStart && (char === '-' || char === '?' || char === ':') && (text[i + 1] === ' ' || text[i + 1] === '\t')) {
      if (++indicators > maxDepth) return line;
      previous = char;
      continue;
    }
    atLineStart = false;
    if (char === '#' && (i === 0 || text[i - 1] === ' ' || text[i - 1] === '\t' || text[i - 1] === '\n')) {
      const end = text.indexOf('\n', i);
      if (end < 0) break;
      i = end - 1;
      continue;
    }
    if ((char === '"' || char === "'") && SCALAR_START.has(previous)) quote = char;
    else if (char === '[' || char === '{') {
      if (++flow > maxDepth) return line;
    } else if ((char === ']' || char === '}') && flow > 0) flow -= 1;
    previous = char;
  }
  return null;
}

/** Returns the first line of a yaml library message, without the position it repeats. */
function firstLineOf(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

/**
 * Parses a YAML (or JSON) text into plain data within `limits`, or returns every problem found, each located when it
 * can be. Never throws. The parser's own duplicate-key check is quadratic in the keys of a mapping (a 600 KB config
 * took 25 s), so duplicates are found here with a set instead, after the node count is known to be within bounds.
 * `schema: 'failsafe'` reads every scalar as a string (a secrets file: a numeric key is never rounded).
 */
export function parseYamlText(text: string, limits: YamlLimits, schema: 'core' | 'failsafe' = 'core'): Result<unknown, YamlProblem[]> {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxBytes) return err([{ line: null, column: null, message: `is larger than ${limits.maxBytes} bytes (${bytes} bytes)` }]);
  const deep = deeperThan(text, limits.maxDepth);
  if (deep !== null) return err([{ line: deep, column: null, message: `nests deeper than ${limits.maxDepth} levels` }]);
  const lineCounter = new LineCounter();
  let document;
  try {
    document = parseDocument(text, { schema, uniqueKeys: false, lineCounter, prettyErrors: false });
  } catch (error) {
    return err([{ line: null, column: null, message: `cannot be parsed: ${error instanceof Error ? firstLineOf(error.message) : String(error)}` }]);
  }
  if (document.errors.length > 0) {
    return err(document.errors.map((e) => {
      const position = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
      return { line: position.line, column: position.col, message: firstLineOf(e.message) };
    }));
  }
  const problems: YamlProblem[] = [];
  let nodes = 0;
  const stack: unknown[] = document.contents === null ? [] : [document.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const keys = new Set<string>();
      for (const pair of node.items) {
        nodes += 1;
        const keyValue: unknown = isScalar(pair.key) ? pair.key.value : undefined;
        if (isScalar(pair.key) && (keyValue === null || typeof keyValue !== 'object')) {
          const key = String(keyValue);
          if (keys.has(key)) {
            const position = lineCounter.linePos((pair.key as Node).range?.[0] ?? 0);
            problems.push({ line: position.line, column: position.col, message: `Map keys must be unique: ${JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key)} is given twice` });
          }
          keys.add(key);
        } else if (pair.key !== null) {
          // A list, mapping, alias or tagged value (!!binary) as a key has no plain-object form (the parser would warn
          // on stderr and stringify it).
          const position = lineCounter.linePos((pair.key as Node).range?.[0] ?? 0);
          problems.push({ line: position.line, column: position.col, message: 'a key must be a plain value, not a list, a mapping, an alias or a tagged value' });
        }
        stack.push(isPair(pair) ? pair.value : null);
      }
    } else if (isSeq(node)) {
      nodes += node.items.length;
      for (const item of node.items) stack.push(item);
    } else if (isAlias(node) || isScalar(node)) {
      continue;
    }
    if (nodes > limits.maxNodes) return err([{ line: null, column: null, message: `has more than ${limits.maxNodes} keys and items` }]);
  }
  if (problems.length > 0) return err(problems);
  try {
    return ok(document.toJS({ maxAliasCount: limits.maxAliasCount }) as unknown);
  } catch (error) {
    const message = error instanceof Error ? firstLineOf(error.message) : String(error);
    return err([{ line: null, column: null, message: /alias/i.test(message) ? `expands aliases too far (more than ${limits.maxAliasCount}): ${message}` : message }]);
  }
}
