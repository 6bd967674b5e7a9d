/**
 * Global setup of the reliability suite: the engine CLI as its own process (persistent
 * folder in a scratch directory), then the whole offline stack (test/support/stack.ts) in
 * DYNAMODB_EXTERNAL mode against it, with the local plugin's fault switch for the stream
 * and its DLQ stand-in pointed into the scratch directory.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exportStackEnv, startStack } from '../support/stack';
import { freePort } from '../support/ports';
import { startEngineProcess, stopEngineProcess } from './engine';

export default async function reliabilitySetup(): Promise<void> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'cruddur-reliability-'));
  const stateFile = path.join(scratch, 'engine.json');
  const dataPath = path.join(scratch, 'dynamodb');
  mkdirSync(dataPath);
  const port = await freePort();
  await startEngineProcess(stateFile, port, dataPath, path.join(scratch, 'engine.log'));

  const env = {
    RELIABILITY_DIR: scratch,
    RELIABILITY_ENGINE_STATE: stateFile,
    RELIABILITY_FIGURES: path.join(scratch, 'figures.jsonl'),
    DYNAMODB_EXTERNAL: `http://127.0.0.1:${port}`,
    STREAM_FAULT_MARKER: `poison-${randomUUID()}`,
    // One DLQ file per stream function: <function>.jsonl (faults.test.ts reads pattern E's).
    LOCAL_DLQ_DIR: path.join(scratch, 'dlq'),
    // Short, so caching.test.ts can watch a changed profile expire from the cache.
    PROFILE_CACHE_TTL_MS: '1500',
    // Low enough for safety.test.ts to watch a one-user burst hit it, above what any other
    // file sends per user in a minute (load.test.ts: 50 per client).
    SEND_RATE_LIMIT: '200',
    SEND_RATE_WINDOW_SECONDS: '60',
  };
  Object.assign(process.env, env);
  writeFileSync(env.RELIABILITY_FIGURES, '');
  try {
    const stack = await startStack();
    exportStackEnv(stack);
    // The harness reports the port it chose for an in-process engine; ours is external.
    process.env.STACK_DYNAMODB_ENDPOINT = env.DYNAMODB_EXTERNAL;
    (globalThis as { __STACK__?: { stop(): Promise<void> } }).__STACK__ = stack;
    console.log(`\nreliability: stack ready in ${stack.startupMs} ms; engine pid file ${stateFile}; stack log ${stack.logFile}`);
  } catch (error) {
    await stopEngineProcess(stateFile);
    throw error;
  }
}
