import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

/** One line of a file: its 1-based number and its text without the line ending. */
export interface SourceLine {
  readonly line: number;
  readonly text: string;
}

/**
 * Longest line a recorded feed or an events file may hold, in bytes: 16 MiB. The longest real line (a Binance REST
 * depth snapshot of 5,000 levels a side) is under 1 MiB; a file with a longer one is not line-oriented data.
 */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/** A line longer than {@link MAX_LINE_BYTES}: the read stops there, naming the line. */
export class LineTooLongError extends Error {
  constructor(readonly line: number, readonly limitBytes: number) {
    super(`line ${line} is longer than ${limitBytes} bytes: not a line-oriented file, or a corrupt one`);
    this.name = 'LineTooLongError';
  }
}

/** Returns whether the file starts with the gzip magic bytes 0x1f 0x8b. */
export async function isGzipFile(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** Read size of the file stream, in bytes: large chunks mean few async steps per line. */
const CHUNK_BYTES = 1 << 20;

/** Opens the file's byte stream, gunzipped on the fly when it starts with the gzip magic bytes. */
async function openBytes(file: string): Promise<{ readonly input: Readable; readonly close: (this: void) => void }> {
  const gzip = await isGzipFile(file);
  const raw = createReadStream(file, { highWaterMark: CHUNK_BYTES });
  if (!gzip) return { input: raw, close: () => raw.destroy() };
  const gunzip = createGunzip({ chunkSize: CHUNK_BYTES });
  raw.on('error', (error) => gunzip.destroy(error));
  const input = raw.pipe(gunzip);
  return {
    input,
    close: () => {
      raw.destroy();
      input.destroy();
    },
  };
}

/**
 * Splits a byte stream into lines on `\n`, dropping a trailing `\r`, numbering them from 1. Each line is decoded as
 * UTF-8 straight from its chunk; a line that straddles chunks is kept as a list of its pieces and joined once, so a
 * long line costs its length, not its length squared. A line longer than `maxLineBytes` throws
 * {@link LineTooLongError} as soon as it passes the limit.
 */
class LineSplitter {
  /** Pieces of the unfinished line, and their total length. */
  private pieces: Buffer[] = [];
  private carried = 0;
  /** Lines emitted so far. */
  count = 0;

  constructor(private readonly onLine: (text: string, line: number) => void, private readonly maxLineBytes: number) {}

  private emit(chunk: Buffer, start: number, end: number): void {
    const stop = end > start && chunk[end - 1] === 0x0d ? end - 1 : end;
    this.count++;
    this.onLine(chunk.toString('utf8', start, stop), this.count);
  }

  /** Keeps a piece of the unfinished line, refusing a line that passes the limit. */
  private carry(piece: Buffer): void {
    this.carried += piece.length;
    if (this.carried > this.maxLineBytes) throw new LineTooLongError(this.count + 1, this.maxLineBytes);
    this.pieces.push(piece);
  }

  /** Emits the carried line completed by `tail` (the start of the next chunk, up to its newline). */
  private emitCarried(tail: Buffer): void {
    this.carry(tail);
    const joined = this.pieces.length === 1 ? this.pieces[0]! : Buffer.concat(this.pieces, this.carried);
    this.pieces = [];
    this.carried = 0;
    this.emit(joined, 0, joined.length);
  }

  /** Emits every line the chunk completes and keeps its unfinished tail. */
  push(chunk: Buffer): void {
    let start = 0;
    let newline = chunk.indexOf(0x0a);
    if (this.carried > 0) {
      if (newline < 0) {
        this.carry(Buffer.from(chunk));
        return;
      }
      this.emitCarried(chunk.subarray(0, newline));
      start = newline + 1;
      newline = chunk.indexOf(0x0a, start);
    }
    while (newline >= 0) {
      if (newline - start > this.maxLineBytes) throw new LineTooLongError(this.count + 1, this.maxLineBytes);
      this.emit(chunk, start, newline);
      start = newline + 1;
      newline = chunk.indexOf(0x0a, start);
    }
    if (start < chunk.length) this.carry(Buffer.from(chunk.subarray(start)));
  }

  /** Emits the last line when the stream did not end with a newline. */
  end(): void {
    if (this.carried > 0) this.emitCarried(Buffer.alloc(0));
  }
}

/**
 * Calls `onLine(text, line)` for every line of a file, in order, with its 1-based number, and resolves to the number
 * of lines. The file is streamed in 1 MiB chunks (gunzipped on the fly when it starts with the gzip magic bytes; never
 * loaded whole) and split on `\n` bytes, a trailing `\r` dropped; a last line without a newline counts, an empty
 * remainder after the final newline does not. Rejects when the file cannot be read, the gzip data is corrupt, or a line
 * is longer than `maxLineBytes` ({@link LineTooLongError}). This is the fast path of a replay: no promise or object per
 * line, unlike {@link readLines}.
 */
export async function forEachLine(file: string, onLine: (text: string, line: number) => void, maxLineBytes = MAX_LINE_BYTES): Promise<number> {
  const { input, close } = await openBytes(file);
  const splitter = new LineSplitter(onLine, maxLineBytes);
  try {
    for await (const chunk of input) splitter.push(chunk as Buffer);
    splitter.end();
  } finally {
    close();
  }
  return splitter.count;
}

/**
 * Streams the lines of a file as {@link forEachLine} splits them (gzip transparent, never loaded whole), one
 * `{ line, text }` at a time. Rejects (through the iterator) when the file cannot be read, the gzip data is corrupt,
 * or a line is longer than `maxLineBytes` ({@link LineTooLongError}).
 */
export async function* readLines(file: string, maxLineBytes = MAX_LINE_BYTES): AsyncGenerator<SourceLine> {
  const { input, close } = await openBytes(file);
  let pending: SourceLine[] = [];
  const splitter = new LineSplitter((text, line) => pending.push({ line, text }), maxLineBytes);
  try {
    for await (const chunk of input) {
      splitter.push(chunk as Buffer);
      const ready = pending;
      pending = [];
      yield* ready;
    }
    splitter.end();
    yield* pending;
  } finally {
    close();
  }
}
