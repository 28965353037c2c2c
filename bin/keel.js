#!/usr/bin/env node
// The `keel` command. The TypeScript sources are compiled to dist/ by `npm install` (the "prepare" script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('keel: not built yet; run `npm install` (or `npm run build`) in the keel directory first\n');
  process.exit(2);
}
const { runProcess } = await import(entry.href);
await runProcess(process.argv.slice(2));
