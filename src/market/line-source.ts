import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

/** One line of a file: its 1-based number and its text without the line ending. */
export interface SourceLine {
  readonly line: number;
  readonly text: string;
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

/**
 * Streams the lines of a file, gunzipping it on the fly when it starts with the gzip magic bytes; the file is never
 * loaded whole. Rejects (through the iterator) when the file cannot be read or the gzip data is corrupt.
 */
export async function* readLines(file: string): AsyncGenerator<SourceLine> {
  const gzip = await isGzipFile(file);
  const raw = createReadStream(file);
  let input: Readable = raw;
  if (gzip) {
    const gunzip = createGunzip();
    raw.on('error', (error) => gunzip.destroy(error));
    input = raw.pipe(gunzip);
  }
  const lines = createInterface({ input, crlfDelay: Infinity });
  let number = 0;
  try {
    for await (const text of lines) {
      number++;
      yield { line: number, text };
    }
  } finally {
    lines.close();
    raw.destroy();
    if (input !== raw) input.destroy();
  }
}
