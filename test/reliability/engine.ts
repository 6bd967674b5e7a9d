/**
 * The reliability suite's DynamoDB engine: the engine CLI (`local/dynamodb/cli.js`) as a
 * separate process with a persistent data folder, so a test can kill it mid-load and start
 * it again on the same port and folder while the offline API keeps running
 * (DYNAMODB_EXTERNAL mode of local/serverless-plugin.js). Its pid lives in a state file,
 * because the global setup, the test files and the global teardown are different contexts.
 */
import { spawn } from 'node:child_process';
import { openSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'local', 'dynamodb', 'cli.js');
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;

export interface EngineState {
  pid: number;
  port: number;
  dataPath: string;
  logFile: string;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the engine CLI on `port` with `dataPath`, resolves once it accepts connections. */
export async function startEngineProcess(
  stateFile: string,
  port: number,
  dataPath: string,
  logFile: string,
): Promise<EngineState> {
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, [CLI, '--port', String(port), '--host', '127.0.0.1', '--path', dataPath], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', out, out],
  });
  child.unref();
  const state: EngineState = { pid: child.pid as number, port, dataPath, logFile };
  writeFileSync(stateFile, JSON.stringify(state));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await listening(port))) {
    if (!alive(state.pid))
      throw new Error(`engine exited on start; see ${logFile}:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`engine not listening on ${port} after ${START_TIMEOUT_MS} ms; see ${logFile}`);
    await sleep(50);
  }
  return state;
}

export function engineState(stateFile: string): EngineState {
  return JSON.parse(readFileSync(stateFile, 'utf8')) as EngineState;
}

/** Kills the engine (SIGKILL = a crash; SIGTERM = a clean stop) and waits until its port is closed. */
export async function stopEngineProcess(stateFile: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const { pid, port } = engineState(stateFile);
  try {
    process.kill(pid, signal);
  } catch {
    return; // already gone
  }
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (alive(pid) || (await listening(port))) {
    if (Date.now() > deadline) {
      if (signal !== 'SIGKILL') return stopEngineProcess(stateFile, 'SIGKILL');
      throw new Error(`engine ${pid} still running ${STOP_TIMEOUT_MS} ms after ${signal}`);
    }
    await sleep(25);
  }
}

/** Restarts the engine on the same port and data folder. */
export async function restartEngineProcess(stateFile: string): Promise<EngineState> {
  const { port, dataPath, logFile } = engineState(stateFile);
  return startEngineProcess(stateFile, port, dataPath, logFile);
}
