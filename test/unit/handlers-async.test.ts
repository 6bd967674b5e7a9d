/**
 * Lambda's Node.js 24 runtime has no callback-style handlers: a handler must be async (or
 * return a promise) and take at most (event, context). Checked for every function that
 * serverless.yml deploys, by loading each handler module as Lambda would.
 */
import { join } from 'node:path';
import { loadCfnYaml } from '../support/cfn-yaml';

const ROOT = join(__dirname, '../..');
const serverless = loadCfnYaml<{ functions: Record<string, { handler: string } | string> }>('serverless.yml');
const handlers = Object.entries(serverless.functions)
  .filter((entry): entry is [string, { handler: string }] => typeof entry[1] === 'object' && entry[1] !== null)
  .map(([name, fn]) => [name, fn.handler] as const);

test('serverless.yml deploys the functions this test checks', () => {
  expect(handlers.length).toBeGreaterThanOrEqual(11);
});

test.each(handlers)('%s (%s) is an async function of (event, context) at most', (_name, handler) => {
  const [file, exported] = handler.split(/\.(?=[^.]+$)/) as [string, string];
  const fn = (require(join(ROOT, file)) as Record<string, unknown>)[exported] as (...args: unknown[]) => unknown;
  expect(typeof fn).toBe('function');
  expect(fn.constructor.name).toBe('AsyncFunction');
  expect(fn.length).toBeLessThanOrEqual(2);
});
