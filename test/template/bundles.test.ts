/**
 * The deployed code, read from the packaged `prod` artefact (test/support/template-setup.ts):
 * every function's bundle is what Lambda runs, so none of the local emulation may be in it —
 * no file writes (the local DLQ stand-in), no fault-injection switch, no offline detection,
 * no local endpoints or fixed local credentials, and no source from `local/`.
 */
import { join } from 'node:path';
import { readZip, type ZipEntry } from '../../bench/lib/zip';
import { loadTemplate, packageDir, resourcesOfType } from './template';

/** What local emulation looks like in a bundle (minified or not). */
const LOCAL_EMULATION: Array<[string, RegExp]> = [
  ['a file write', /\b(appendFileSync|writeFileSync|createWriteStream|mkdirSync|appendFile|writeFile)\b/],
  ['the fault-injection switch', /STREAM_FAULT_MARKER|faultMarker/],
  ['the local DLQ stand-in', /LOCAL_DLQ_DIR|dlqFile|RetryAttemptsExhausted/],
  ['offline detection', /IS_OFFLINE/],
  ['fixed local credentials', /accessKeyId\s*:\s*["'`]local["'`]/],
  ['a local endpoint', /127\.0\.0\.1|localhost:\d+/],
  ['a scheme check for local http', /startsWith\(\s*["'`]http:["'`]\s*\)/],
];

/** `handlers/http/create-message.js` for each Lambda function of the template. */
function handlerFiles(): string[] {
  return resourcesOfType(loadTemplate(), 'AWS::Lambda::Function')
    .map(([, fn]) => String(fn.Properties?.Handler))
    .filter((handler) => handler.startsWith('handlers/'))
    .map((handler) => `${handler.replace(/\.[^.]+$/, '')}.js`);
}

let entries: ZipEntry[];
beforeAll(() => {
  entries = readZip(join(packageDir(), 'cruddur-messaging.zip'));
});

test('the prod artefact holds one bundle per deployed function', () => {
  const bundles = entries.filter((entry) => entry.name.endsWith('.js')).map((entry) => entry.name);
  const expected = handlerFiles();
  expect(expected.length).toBeGreaterThanOrEqual(11);
  expect(bundles.sort()).toEqual([...expected].sort());
});

test('no deployed bundle contains local emulation: file writes, fault injection, DLQ stand-in, offline detection, local endpoints or credentials', () => {
  const found: string[] = [];
  for (const entry of entries.filter((e) => e.name.endsWith('.js'))) {
    const code = entry.read().toString('utf8');
    for (const [what, pattern] of LOCAL_EMULATION) {
      const match = pattern.exec(code);
      if (match) found.push(`${entry.name}: ${what} (${match[0]})`);
    }
  }
  expect(found).toEqual([]);
});

test('no deployed bundle is built from local/ or an offline-only module', () => {
  const found: string[] = [];
  for (const entry of entries.filter((e) => e.name.endsWith('.js.map'))) {
    const { sources } = JSON.parse(entry.read().toString('utf8')) as { sources: string[] };
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      if (/(^|\/)local\/|offline/i.test(source)) found.push(`${entry.name}: ${source}`);
    }
  }
  expect(found).toEqual([]);
});
