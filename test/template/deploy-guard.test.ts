/** `dev` is the offline stage: deploying it to AWS is refused before anything is sent. */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');

test('sls deploy --stage dev fails with a message naming the offline stage, without AWS credentials being asked for', async () => {
  const home = mkdtempSync(join(tmpdir(), 'cruddur-deploy-guard-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    ESBUILD_WORK_FOLDER: '.esbuild-deploy-guard',
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    npm_config_update_notifier: 'false',
  };
  const failure = await run('npx', ['sls', 'deploy', '--stage', 'dev'], { cwd: ROOT, env }).then(
    () => undefined,
    (error: { code?: number; stdout?: string; stderr?: string }) => error,
  );
  expect(failure?.code).not.toBe(0);
  expect(`${failure?.stdout}${failure?.stderr}`).toContain('The "dev" stage is the offline one');
}, 120_000);

test('packaging a stage with dax on but vpcMode off fails with a message naming both parameters', async () => {
  const home = mkdtempSync(join(tmpdir(), 'cruddur-dax-guard-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    ESBUILD_WORK_FOLDER: '.esbuild-dax-guard',
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    npm_config_update_notifier: 'false',
  };
  const out = join(home, 'package');
  const failure = await run('npx', ['sls', 'package', '--stage', 'prod', '--param=dax=true', '--package', out], { cwd: ROOT, env }).then(
    () => undefined,
    (error: { code?: number; stdout?: string; stderr?: string }) => error,
  );
  expect(failure?.code).not.toBe(0);
  expect(`${failure?.stdout}${failure?.stderr}`).toContain('The dax parameter needs vpcMode: true');
}, 120_000);
