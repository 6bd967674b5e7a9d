/**
 * Jest global setup for the `template` project: packages the `prod` stage ONCE
 * (`sls package --stage prod --package <tmp>`) and shares the output folder with the
 * workers through CRUDDUR_TEMPLATE_DIR. Packaging runs the way a fresh CI runner would:
 * no AWS credentials or profile in the environment and an empty HOME, so the suite also
 * proves that building the deployable artefact needs no AWS account.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');

export default async function templateSetup(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'cruddur-template-'));
  const out = join(work, 'package');
  const home = join(work, 'home');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    // Its own esbuild folder: packaging must not disturb a running `npm start` or test stack.
    ESBUILD_WORK_FOLDER: '.esbuild-template',
    // npm's cache lives in HOME; keep npx quiet and offline-safe.
    npm_config_update_notifier: 'false',
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
  };
  const started = Date.now();
  try {
    await run('npx', ['sls', 'package', '--stage', 'prod', '--package', out], { cwd: ROOT, env, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`sls package --stage prod failed:\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
  process.env.CRUDDUR_TEMPLATE_DIR = out;
  process.env.CRUDDUR_TEMPLATE_PACKAGE_MS = String(Date.now() - started);
  if (process.env.TEMPLATE_TIMING) console.log(`\nsls package --stage prod: ${Date.now() - started} ms → ${out}`);
}
