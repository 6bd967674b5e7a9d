/**
 * `local/` is JavaScript with checked types, all of it: every file opts into TypeScript's
 * checker (`// @ts-check`), which `npm run typecheck` then runs over it (tsconfig includes local/).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '../..');

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return jsFiles(path);
    return name.endsWith('.js') ? [path] : [];
  });
}

test('every JavaScript file in local/ is type-checked (// @ts-check), and there are no TypeScript files to mix in', () => {
  const files = jsFiles(join(ROOT, 'local'));
  expect(files.length).toBeGreaterThan(10);
  const unchecked = files.filter((file) => !readFileSync(file, 'utf8').slice(0, 400).includes('// @ts-check'));
  expect(unchecked.map((file) => relative(ROOT, file))).toEqual([]);
  const typescript = readdirSync(join(ROOT, 'local'), { recursive: true }).filter(
    (name) => String(name).endsWith('.ts') && !String(name).endsWith('.d.ts'),
  );
  expect(typescript).toEqual([]);
});
