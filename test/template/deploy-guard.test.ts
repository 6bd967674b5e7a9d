/** Stages that must not reach AWS as configured are refused before anything is packaged or sent. */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');

/** `npx sls …` as a fresh CI runner would run it (no AWS credentials, an empty HOME); resolves to its failure, or undefined. */
async function slsFailure(name: string, args: string[]): Promise<{ code?: number; output: string } | undefined> {
  const home = mkdtempSync(join(tmpdir(), `cruddur-${name}-`));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    ESBUILD_WORK_FOLDER: `.esbuild-${name}`,
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    npm_config_update_notifier: 'false',
  };
  return run('npx', ['sls', ...args.map((arg) => arg.replace('<home>', home))], { cwd: ROOT, env }).then(
    () => undefined,
    (error: { code?: number; stdout?: string; stderr?: string }) => ({
      code: error.code,
      output: `${error.stdout}${error.stderr}`,
    }),
  );
}

test('sls deploy --stage dev fails with a message naming the offline stage, without AWS credentials being asked for', async () => {
  const failure = await slsFailure('deploy-guard', ['deploy', '--stage', 'dev']);
  expect(failure?.code).not.toBe(0);
  expect(failure?.output).toContain('The "dev" stage is the offline one');
}, 120_000);

test('packaging a stage with dax on but vpcMode off fails with a message naming both parameters', async () => {
  const failure = await slsFailure('dax-guard', [
    'package',
    '--stage',
    'prod',
    '--param=dax=true',
    '--package',
    '<home>/package',
  ]);
  expect(failure?.code).not.toBe(0);
  expect(failure?.output).toContain('The dax parameter needs vpcMode: true');
}, 120_000);
