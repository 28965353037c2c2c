import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Result, err, ok } from '../domain/result.js';
import type { Strategy } from '../strategy/strategy.js';

/**
 * Why a strategy file given with `--strategy` could not be used. Stable codes: the file is missing, a TypeScript file
 * was not compiled, the module has no `createStrategy` export, loading it threw, or what it built is not a strategy.
 */
export interface StrategyModuleError {
  readonly code: 'STRATEGY_NOT_FOUND' | 'STRATEGY_NOT_BUILT' | 'STRATEGY_EXPORT_MISSING' | 'STRATEGY_LOAD_FAILED' | 'STRATEGY_INVALID';
  readonly file: string;
  readonly message: string;
}

/**
 * What a strategy module exports for `keel run --strategy FILE` and `keel replay --strategy FILE`: a function that
 * builds the strategy, given the first instrument the run trades (the config's first, `BTC/USDT` by default) and every
 * instrument in `context.symbols`, so a strategy may trade one or several.
 */
export type CreateStrategy = (symbol: string, context: StrategyContext) => Strategy;

/** What `createStrategy` is told besides its symbol: every instrument the run trades (a strategy may trade several). */
export interface StrategyContext {
  readonly symbols: readonly string[];
}

/** The project root (this file is compiled to dist/src/app/: the root is three up). */
function projectRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
}

/**
 * Returns the module to import for `file`: a `.js`/`.mjs` file as it is; a `.ts` file inside the project as its
 * compiled twin under `dist/` (`npm run build` compiles `examples/**` and `src/**`), or the file itself on a Node.js
 * that strips types on its own.
 */
export function strategyModulePath(file: string): Result<string, StrategyModuleError> {
  if (!existsSync(file)) return err({ code: 'STRATEGY_NOT_FOUND', file, message: `${file}: no such file` });
  if (!/\.(c|m)?ts$/.test(file)) return ok(file);
  const root = projectRoot();
  const relative = path.relative(root, file);
  if (!relative.startsWith('..') && !path.isAbsolute(relative)) {
    const compiled = path.join(root, 'dist', relative.replace(/\.(c|m)?ts$/, '.js'));
    if (existsSync(compiled)) return ok(compiled);
  }
  const features = process.features as { typescript?: unknown };
  if (features.typescript !== undefined && features.typescript !== false) return ok(file);
  return err({
    code: 'STRATEGY_NOT_BUILT',
    file,
    message: `${file} is TypeScript and has no compiled module: put it under examples/ and run \`npm run build\`, or compile it to .js and give that file`,
  });
}

function isStrategy(value: unknown): value is Strategy {
  const candidate = value as Partial<Strategy> | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.name === 'string' && candidate.name !== ''
    && Array.isArray(candidate.symbols) && typeof candidate.onMarket === 'function';
}

/**
 * Loads a strategy module and builds its strategy for the run's instruments by calling its exported
 * {@link CreateStrategy} (`export function createStrategy(symbol: string, context): Strategy`). Every failure is a
 * typed error naming the file.
 */
export async function loadStrategyModule(file: string, symbols: readonly string[]): Promise<Result<Strategy, StrategyModuleError>> {
  const resolved = strategyModulePath(file);
  if (!resolved.ok) return resolved;
  let exported: Record<string, unknown>;
  try {
    exported = await import(pathToFileURL(resolved.value).href) as Record<string, unknown>;
  } catch (error) {
    return err({ code: 'STRATEGY_LOAD_FAILED', file, message: `${file} could not be loaded: ${error instanceof Error ? error.message : String(error)}` });
  }
  const create = exported.createStrategy;
  if (typeof create !== 'function') {
    return err({ code: 'STRATEGY_EXPORT_MISSING', file, message: `${file} exports no createStrategy(symbol) function` });
  }
  let built: unknown;
  try {
    built = (create as CreateStrategy)(symbols[0]!, { symbols });
  } catch (error) {
    return err({ code: 'STRATEGY_LOAD_FAILED', file, message: `${file}: createStrategy threw: ${error instanceof Error ? error.message : String(error)}` });
  }
  if (!isStrategy(built)) {
    return err({ code: 'STRATEGY_INVALID', file, message: `${file}: createStrategy did not return a strategy (a name, symbols and onMarket)` });
  }
  return ok(built);
}

/**
 * Returns the strategies a run trades: those the files build, in order, for `symbols`; the first failure stops it.
 * Two strategies may not share a name (it prefixes their order ids).
 */
export async function loadStrategyModules(files: readonly string[], symbols: readonly string[]): Promise<Result<Strategy[], StrategyModuleError>> {
  const out: Strategy[] = [];
  for (const file of files) {
    const loaded = await loadStrategyModule(file, symbols);
    if (!loaded.ok) return loaded;
    if (out.some((s) => s.name === loaded.value.name)) {
      return err({ code: 'STRATEGY_INVALID', file, message: `${file}: a strategy named ${JSON.stringify(loaded.value.name)} is already loaded (names prefix order ids and must differ)` });
    }
    out.push(loaded.value);
  }
  return ok(out);
}
