/**
 * The whole local stack for integration suites, started once per jest project:
 * `sls offline start` as a child process (its own process group) on free ports — the local
 * DynamoDB engine (in memory), cognito-local (fresh data folder), the stream emulation and
 * the HTTP API — exactly what `npm start` runs. Workers reach it through the STACK_* (and
 * the domain's own TABLE_NAME / DYNAMODB_ENDPOINT / COGNITO_*) variables set here.
 *
 * Reuse: `globalSetup: test/support/stack-setup.ts`, `globalTeardown: test/support/stack-teardown.ts`.
 */
import { CognitoIdentityProviderClient, CreateUserPoolClientCommand } from '@aws-sdk/client-cognito-identity-provider';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { login as cognitoLogin, signUpUsers, stateFile } from '../../local/cognito';
import { freePort } from './ports';
import { LOCAL_AWS_ENV } from '../../local/aws-env';

const ROOT = path.join(__dirname, '..', '..');
const READY_LINE = 'Local stack ready';
const START_TIMEOUT_MS = 180_000;

export interface StackInfo {
  apiUrl: string;
  /** serverless-offline's WebSocket API (ws://…) and, on the same port, its @connections management API. */
  websocketUrl: string;
  lambdaEndpoint: string;
  dynamodbEndpoint: string;
  tableName: string;
  cognitoEndpoint: string;
  userPoolId: string;
  clientId: string;
  issuer: string;
  /** The dev web origin the stack answers CORS for (WEB_ORIGIN). */
  webOrigin: string;
  /** What `npm start` writes for a web client (WEB_CONFIG_FILE). */
  webConfigFile: string;
  /** cognito-local's data folder (COGNITO_PATH): where tests read a confirmation code. */
  cognitoDataDir: string;
}

/** The dev web origin of test stacks. */
export const TEST_WEB_ORIGIN = 'http://localhost:5173';

export interface RunningStack extends StackInfo {
  startupMs: number;
  logFile: string;
  stop(): Promise<void>;
}

function waitForReady(child: ChildProcess, logTail: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => fail(new Error(`stack not ready after ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      seen = (seen + chunk.toString()).slice(-4096);
      if (seen.includes(READY_LINE)) done();
    };
    const onExit = (code: number | null) => fail(new Error(`sls offline exited with ${code} before it was ready`));
    function cleanup() {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
    }
    function done() {
      cleanup();
      resolve();
    }
    function fail(error: Error) {
      cleanup();
      reject(new Error(`${error.message}\n--- last output ---\n${logTail()}`));
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', onExit);
  });
}

/**
 * Starts the stack; `seed` runs the demo seed and demo sign-ups (off by default: suites make
 * their own users); `webOrigin` is the one origin it answers CORS for. `dataDir` keeps the
 * engine's data and cognito-local's in that folder (`npm run start:persist`), so a second stack
 * on it is the first one restarted.
 */
export async function startStack({
  seed = false,
  webOrigin = TEST_WEB_ORIGIN,
  dataDir,
}: {
  seed?: boolean;
  webOrigin?: string;
  dataDir?: string;
} = {}): Promise<RunningStack> {
  const started = Date.now();
  const [httpPort, lambdaPort, dynamodbPort, cognitoPort, websocketPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const scratch = mkdtempSync(path.join(tmpdir(), 'cruddur-stack-'));
  const cognitoPath = path.join(dataDir ?? scratch, 'cognito');
  const logFile = path.join(scratch, 'offline.log');
  const webConfigFile = path.join(scratch, 'web-config.json');
  const log = createWriteStream(logFile);
  let tail = '';

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DYNAMODB_PORT: String(dynamodbPort),
    COGNITO_PORT: String(cognitoPort),
    COGNITO_PATH: cognitoPath,
    WEB_ORIGIN: webOrigin,
    WEB_CONFIG_FILE: webConfigFile,
    LOCAL_SEED: seed ? 'true' : 'false',
    // Its own build folder, so a test run does not clobber (or get clobbered by) `npm start`.
    // Per stack, not per process: a suite may run a stack of its own beside the global one (in band, one pid).
    ESBUILD_WORK_FOLDER: path.relative(ROOT, path.join(ROOT, '.local', `esbuild-test-${process.pid}-${httpPort}`)),
    ESBUILD_WATCH: '.no-watch/nothing',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
  };
  delete env.DYNAMODB_PATH;
  if (dataDir) {
    env.DYNAMODB_PATH = path.join(dataDir, 'dynamodb');
    delete env.DYNAMODB_EXTERNAL;
  }
  const child = spawn(
    process.execPath,
    [
      path.join(ROOT, 'node_modules', 'serverless', 'bin', 'serverless.js'),
      'offline',
      'start',
      '--httpPort',
      String(httpPort),
      '--lambdaPort',
      String(lambdaPort),
      '--websocketPort',
      String(websocketPort),
      '--host',
      '127.0.0.1',
    ],
    { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const record = (chunk: Buffer) => {
    log.write(chunk);
    tail = (tail + chunk.toString()).slice(-6000);
  };
  child.stdout?.on('data', record);
  child.stderr?.on('data', record);

  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      const timeout = setTimeout(() => {
        try {
          process.kill(-(child.pid as number), 'SIGKILL');
        } catch {
          /* already gone */
        }
      }, 5000);
      await exited;
      clearTimeout(timeout);
    }
    log.end();
    rmSync(path.join(ROOT, env.ESBUILD_WORK_FOLDER as string), { recursive: true, force: true });
    if (!process.env.KEEP_STACK_LOG) rmSync(scratch, { recursive: true, force: true });
  };

  try {
    await waitForReady(child, () => tail);
  } catch (error) {
    await stop();
    throw error;
  }
  const state = JSON.parse(readFileSync(stateFile(cognitoPath), 'utf8')) as {
    endpoint: string;
    issuer: string;
    userPoolId: string;
    clientId: string;
  };
  return {
    apiUrl: `http://127.0.0.1:${httpPort}`,
    websocketUrl: `ws://127.0.0.1:${websocketPort}`,
    lambdaEndpoint: `http://127.0.0.1:${lambdaPort}`,
    dynamodbEndpoint: `http://127.0.0.1:${dynamodbPort}`,
    tableName: 'cruddur-messaging-dev',
    cognitoEndpoint: state.endpoint,
    userPoolId: state.userPoolId,
    clientId: state.clientId,
    issuer: state.issuer,
    webOrigin,
    webConfigFile,
    cognitoDataDir: cognitoPath,
    startupMs: Date.now() - started,
    logFile,
    stop,
  };
}

/**
 * Hands the stack to test workers (which inherit the global setup's environment). Only
 * STACK_* names: jest runs every project's global setup in one process, so the domain's own
 * variables (TABLE_NAME…) would collide with other projects'. `useStackEnv()` maps them
 * inside a test file (jest gives each file its own copy of process.env).
 */
export function exportStackEnv(stack: StackInfo): void {
  Object.assign(process.env, {
    STACK_API_URL: stack.apiUrl,
    STACK_WEBSOCKET_URL: stack.websocketUrl,
    STACK_LAMBDA_ENDPOINT: stack.lambdaEndpoint,
    STACK_DYNAMODB_ENDPOINT: stack.dynamodbEndpoint,
    STACK_TABLE_NAME: stack.tableName,
    STACK_COGNITO_ENDPOINT: stack.cognitoEndpoint,
    STACK_USER_POOL_ID: stack.userPoolId,
    STACK_CLIENT_ID: stack.clientId,
    STACK_COGNITO_ISSUER: stack.issuer,
    STACK_WEB_ORIGIN: stack.webOrigin,
    STACK_WEB_CONFIG_FILE: stack.webConfigFile,
    STACK_COGNITO_DATA_DIR: stack.cognitoDataDir,
  });
}

/** In a test worker: the stack started by the global setup. */
export function stack(): StackInfo {
  const get = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set: is test/support/stack-setup.ts the project's globalSetup?`);
    return value;
  };
  return {
    apiUrl: get('STACK_API_URL'),
    websocketUrl: get('STACK_WEBSOCKET_URL'),
    lambdaEndpoint: get('STACK_LAMBDA_ENDPOINT'),
    dynamodbEndpoint: get('STACK_DYNAMODB_ENDPOINT'),
    tableName: get('STACK_TABLE_NAME'),
    cognitoEndpoint: get('STACK_COGNITO_ENDPOINT'),
    userPoolId: get('STACK_USER_POOL_ID'),
    clientId: get('STACK_CLIENT_ID'),
    issuer: get('STACK_COGNITO_ISSUER'),
    webOrigin: get('STACK_WEB_ORIGIN'),
    webConfigFile: get('STACK_WEB_CONFIG_FILE'),
    cognitoDataDir: get('STACK_COGNITO_DATA_DIR'),
  };
}

/** Points this test file's domain code (domain/config.ts) at the stack's table and Cognito. */
export function useStackEnv(): void {
  const s = stack();
  Object.assign(process.env, {
    TABLE_NAME: s.tableName,
    DYNAMODB_ENDPOINT: s.dynamodbEndpoint,
    ...LOCAL_AWS_ENV,
    COGNITO_USER_POOL_ID: s.userPoolId,
    COGNITO_CLIENT_ID: s.clientId,
    COGNITO_ISSUER: s.issuer,
    COGNITO_ENDPOINT: s.cognitoEndpoint,
  });
}

export interface TestUser {
  email: string;
  password: string;
  handle: string;
  display_name: string;
}

/** Signs a user up and confirms them in cognito-local: the PostConfirmation trigger runs through the offline Lambda. */
export async function signUp(user: TestUser): Promise<void> {
  const { cognitoEndpoint, userPoolId, clientId } = stack();
  await signUpUsers({ endpoint: cognitoEndpoint, userPoolId, clientId, users: [user] });
}

export async function login(email: string, password: string): Promise<{ accessToken: string; idToken: string }> {
  const { cognitoEndpoint, clientId } = stack();
  return cognitoLogin({ endpoint: cognitoEndpoint, clientId, email, password });
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: any;
}

/** One HTTP call to the offline API; JSON bodies are encoded unless `raw` is given. */
export async function api(
  method: string,
  urlPath: string,
  options: { token?: string; json?: unknown; raw?: string | Uint8Array; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | Uint8Array | undefined = options.raw;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${stack().apiUrl}${urlPath}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/**
 * An access token for `email` from ANOTHER app client of the stack's pool (created here): valid
 * signature, issuer and expiry, wrong `client_id`, which every authenticated path must refuse.
 */
export async function foreignClientAccessToken(email: string, password: string): Promise<string> {
  const { cognitoEndpoint, userPoolId } = stack();
  const cognito = new CognitoIdentityProviderClient({
    endpoint: cognitoEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const { UserPoolClient } = await cognito.send(
      new CreateUserPoolClientCommand({ UserPoolId: userPoolId, ClientName: `other-${Date.now()}` }),
    );
    if (!UserPoolClient?.ClientId) throw new Error('no client id from CreateUserPoolClient');
    return (await cognitoLogin({ endpoint: cognitoEndpoint, clientId: UserPoolClient.ClientId, email, password })).accessToken;
  } finally {
    cognito.destroy();
  }
}
