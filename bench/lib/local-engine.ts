/**
 * A freshly started local engine per bench section, in its own process (as under
 * `sls offline`, where the engine is a separate server from the code calling it), with the
 * table created from resources/table.yml. The domain is pointed at it through the same
 * environment variables the Lambdas read.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { resetConfigForTests } from '../../domain/config';
import { resetDynamoClientForTests } from '../../domain/dynamodb';
import { migrate } from '../../local/migrate';
import { LOCAL_AWS_ENV } from '../../local/aws-env';

export const ROOT = path.join(__dirname, '..', '..');
export const BENCH_TABLE = 'cruddur-messaging-bench';

export interface BenchEngine {
  endpoint: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startEngine(): Promise<BenchEngine> {
  const child = spawn(process.execPath, [path.join(ROOT, 'local/dynamodb/cli.js'), '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match?.[1]) {
        child.stdout?.off('data', onData);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`engine exited (${code}) before listening: ${out}`)));
  });
  await migrate({ endpoint, tableName: BENCH_TABLE });
  process.env.TABLE_NAME = BENCH_TABLE;
  process.env.DYNAMODB_ENDPOINT = endpoint;
  Object.assign(process.env, LOCAL_AWS_ENV);
  resetConfigForTests();
  resetDynamoClientForTests();
  return { endpoint, pid: child.pid as number, stop: () => stopChild(child) };
}

export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
