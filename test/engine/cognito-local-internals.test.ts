// Every cognito-local internal local/ relies on, checked as the local Cognito checks it at
// start-up, so an upgrade of the pinned cognito-local that moves one fails here, by name.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEEP_IMPORTS, installedVersion, internalsProblems, PINNED_VERSION } from '../../local/cognito-local-internals';

const ROOT = join(__dirname, '..', '..');

test('cognito-local is pinned exactly in package.json, and the installed one is that version', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const declared = pkg.devDependencies['cognito-local'] ?? pkg.dependencies?.['cognito-local'];
  expect(declared).toBe(PINNED_VERSION);
  expect(installedVersion).toBe(PINNED_VERSION);
});

test('every deep import of cognito-local that local/ uses is where the internals list says, with the export it needs', () => {
  // In plain Node, as at start-up: some of cognito-local's own dependencies are ES modules
  // that jest's CommonJS sandbox cannot load.
  const script =
    "const m = require('./local/cognito-local-internals'); m.assertCognitoLocalInternals(); console.log(JSON.stringify(m.internalsProblems()))";
  const out = execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
  expect(JSON.parse(out.trim())).toEqual([]);
  expect(Object.keys(DEEP_IMPORTS).length).toBeGreaterThanOrEqual(12);
});

test('the list covers every ./lib/ module local/cognito.js loads', () => {
  const source = readFileSync(join(ROOT, 'local', 'cognito.js'), 'utf8');
  const loaded = [...source.matchAll(/\blib\('([^']+)'\)/g)].map((match) => match[1]);
  expect(loaded.length).toBeGreaterThan(0);
  expect(loaded.filter((name) => !(name! in DEEP_IMPORTS))).toEqual([]);
});

test('a moved module, a renamed export or another version is reported by name', () => {
  // Every other module answers with the exports the list expects, without loading cognito-local.
  const present = (id: string) => {
    const name = id.replace(/^\.\/lib\//, '') as keyof typeof DEEP_IMPORTS;
    if (id === 'aws-sdk') return {};
    if (id === 'pino') return () => undefined;
    return Object.fromEntries(
      Object.entries(DEEP_IMPORTS[name]).map(([key, type]) => [key, type === 'function' ? () => undefined : {}]),
    );
  };
  const moved = (id: string) => {
    if (id === './lib/server/Router') throw new Error("Cannot find module './lib/server/Router'");
    if (id === './lib/services/otp') return { generate: () => '123456' };
    return present(id);
  };
  expect(internalsProblems(present, PINNED_VERSION)).toEqual([]);
  expect(internalsProblems(moved, '5.4.0')).toEqual([
    'cognito-local is 5.4.0, local/ is written against 5.3.0',
    'cognito-local/lib/services/otp.otp is not a function',
    "cognito-local/lib/server/Router cannot be loaded (Cannot find module './lib/server/Router')",
  ]);
});
