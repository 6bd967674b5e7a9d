/**
 * No unused dependency: every runtime dependency is imported by the deployed code, and every
 * development dependency is imported, run, or loaded by a tool we use. A package that nothing
 * uses any more fails here by name (so it is removed rather than kept "just in case").
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  scripts: Record<string, string>;
};

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(ROOT, dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : sources(relative(ROOT, path));
    return /\.(ts|js)$/.test(name) ? [path] : [];
  });
}

/** Every module specifier imported or required by the files under `dirs`. */
function specifiers(dirs: string[]): Set<string> {
  const found = new Set<string>();
  for (const file of dirs.flatMap(sources)) {
    const text = readFileSync(file, 'utf8');
    for (const [, spec] of text.matchAll(/(?:from\s+|require\(\s*|import\(\s*|require\.resolve\(\s*)['"]([^'"]+)['"]/g))
      found.add(spec!);
  }
  return found;
}

const packageOf = (spec: string) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
const imported = (dirs: string[]) => new Set([...specifiers(dirs)].map(packageOf));

test('every runtime dependency is imported by the deployed code (domain, handlers, seeds)', () => {
  const used = imported(['domain', 'handlers', 'seeds']);
  expect(Object.keys(pkg.dependencies).filter((name) => !used.has(name))).toEqual([]);
});

test('every development dependency is imported, run or loaded by one of our tools', () => {
  const used = imported(['domain', 'handlers', 'seeds', 'local', 'test', 'bench', 'scripts', 'examples']);
  const config = ['serverless.yml', 'jest.common.js', 'tsconfig.json'].map((f) => readFileSync(join(ROOT, f), 'utf8')).join('\n');
  const scripts = Object.values(pkg.scripts).join('\n');
  /** Used without an import: a command in package.json scripts, or a peer another tool loads. */
  const indirect: Record<string, () => boolean> = {
    serverless: () => /\bsls\b/.test(scripts),
    typescript: () => /\btsc\b/.test(scripts),
    jest: () => /\bjest\b/.test(scripts),
    tsx: () => /\btsx\b/.test(scripts),
    // The linter: its config is biome.json (the lint script runs `biome`).
    '@biomejs/biome': () => /\bbiome\b/.test(scripts) || existsSync(join(ROOT, 'biome.json')),
    '@swc/core': () => used.has('@swc/jest') || config.includes('@swc/jest'),
  };
  const unused = Object.keys(pkg.devDependencies).filter((name) => {
    if (used.has(name) || config.includes(name) || indirect[name]?.()) return false;
    const typed = /^@types\/(.+)$/.exec(name)?.[1];
    return !(typed && (used.has(typed) || config.includes(`"${typed}"`)));
  });
  expect(unused).toEqual([]);
});
