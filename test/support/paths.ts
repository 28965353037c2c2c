import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The project root. Tests are compiled to dist/test/, so the root is found from this file's location. */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Returns the absolute path of a file under test/fixtures/. */
export function fixture(name: string): string {
  return path.join(projectRoot, 'test', 'fixtures', name);
}
