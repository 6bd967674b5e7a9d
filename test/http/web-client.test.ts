/**
 * What a web client of `npm start` relies on besides sign-in: the settings file it reads, ids
 * that survive restarts, CORS for the dev web origin only (on the API and on the local
 * Cognito), and API Gateway's answer for unmatched routes.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../support/ports';
import { api, stack } from '../support/stack';
import { signedInUser } from './users';

const EVIL_ORIGIN = 'http://evil.example';
const LOCAL_COGNITO = path.join(__dirname, '..', '..', 'local', 'cognito.js');

type Ids = { userPoolId: string; clientId: string; created: boolean };

/**
 * For each folder in turn: starts the local Cognito on it, ensures the dev pool and client,
 * stops. In a plain Node process: cognito-local has ESM dependencies that jest does not load.
 */
async function idsAfterStarts(dirs: string[]): Promise<Ids[]> {
  const script = `
    const { start } = require(${JSON.stringify(LOCAL_COGNITO)});
    (async () => {
      const ids = [];
      for (const dir of ${JSON.stringify(dirs)}) {
        const cognito = await start({ port: ${await freePort()}, dir });
        try {
          ids.push(await cognito.ensurePoolAndClient({ poolName: 'cruddur-messaging-dev', clientName: 'cruddur-messaging-dev-web' }));
        } finally {
          await cognito.stop();
        }
      }
      console.log(JSON.stringify(ids));
    })();`;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { timeout: 20_000 });
  return JSON.parse(stdout);
}

function corsHeaders(headers: Headers): Record<string, string> {
  return Object.fromEntries([...headers].filter(([name]) => name.startsWith('access-control-')));
}

describe('web client settings', () => {
  test('the stack writes region, pool id, client id, Cognito endpoint, API URL and the WebSocket URL and the CORS origin to the web config file', () => {
    const s = stack();
    expect(JSON.parse(readFileSync(s.webConfigFile, 'utf8'))).toEqual({
      region: 'us-east-1',
      userPoolId: s.userPoolId,
      userPoolClientId: s.clientId,
      userPoolEndpoint: s.cognitoEndpoint,
      apiUrl: s.apiUrl,
      websocketUrl: s.websocketUrl.replace('127.0.0.1', new URL(s.apiUrl).hostname),
      webOrigins: [s.webOrigin],
    });
  });

  test('pool and client ids are the same after a restart and after the data folder is deleted, and are the ones the README lists', async () => {
    let ids: Ids[] = [];
    const first = mkdtempSync(path.join(tmpdir(), 'cruddur-ids-'));
    const second = mkdtempSync(path.join(tmpdir(), 'cruddur-ids-'));
    try {
      ids = await idsAfterStarts([first, first, second]);
    } finally {
      rmSync(first, { recursive: true, force: true });
      rmSync(second, { recursive: true, force: true });
    }
    const [created, restarted, fresh] = ids;
    expect(created?.created).toBe(true);
    expect(restarted).toEqual({ userPoolId: created?.userPoolId, clientId: created?.clientId, created: false });
    expect(fresh).toEqual({ userPoolId: created?.userPoolId, clientId: created?.clientId, created: true });
    expect(created?.userPoolId).toMatch(/^local_[0-9A-Za-z]{8}$/);
    expect(created?.clientId).toMatch(/^[0-9a-z]{26}$/);
    const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    expect(readme).toContain(`"userPoolId": "${created?.userPoolId}"`);
    expect(readme).toContain(`"userPoolClientId": "${created?.clientId}"`);
  });
});

describe('CORS: only the dev web origin', () => {
  let token: string;
  beforeAll(async () => {
    token = (await signedInUser('CORS User')).token;
  });

  test('API: the dev origin gets CORS headers on a preflight and on the answer itself', async () => {
    const { apiUrl, webOrigin } = stack();
    const preflight = await fetch(`${apiUrl}/api/message_groups`, {
      method: 'OPTIONS',
      headers: { Origin: webOrigin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(webOrigin);
    const res = await api('GET', '/api/message_groups', { token, headers: { Origin: webOrigin } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(webOrigin);
  });

  test('API: any other origin (or none) gets no CORS header, on the preflight, the answer, an error or an unmatched route', async () => {
    const { apiUrl } = stack();
    const preflight = await fetch(`${apiUrl}/api/message_groups`, {
      method: 'OPTIONS',
      headers: { Origin: EVIL_ORIGIN, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' },
    });
    expect(corsHeaders(preflight.headers)).toEqual({});
    for (const res of [
      await api('GET', '/api/message_groups', { token, headers: { Origin: EVIL_ORIGIN } }),
      await api('GET', '/api/message_groups', { headers: { Origin: EVIL_ORIGIN } }),
      await api('GET', '/nothing/here', { headers: { Origin: EVIL_ORIGIN } }),
      await api('GET', '/nothing/here'),
    ]) {
      expect(corsHeaders(res.headers)).toEqual({});
    }
  });

  test('local Cognito: the dev origin gets CORS headers (preflight with x-amz-target, and the answer); any other origin none', async () => {
    const { cognitoEndpoint, webOrigin, clientId } = stack();
    const preflight = (origin: string) =>
      fetch(cognitoEndpoint, {
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'content-type,x-amz-target,x-amz-user-agent',
        },
      });
    const call = (origin: string) =>
      fetch(cognitoEndpoint, {
        method: 'POST',
        headers: {
          Origin: origin,
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth',
        },
        body: JSON.stringify({
          ClientId: clientId,
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: 'nobody@example.com', PASSWORD: 'x' },
        }),
      });

    const allowed = await preflight(webOrigin);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(webOrigin);
    expect(allowed.headers.get('access-control-allow-headers')).toContain('x-amz-target');
    expect((await call(webOrigin)).headers.get('access-control-allow-origin')).toBe(webOrigin);

    expect(corsHeaders((await preflight(EVIL_ORIGIN)).headers)).toEqual({});
    const refused = await call(EVIL_ORIGIN);
    expect(refused.status).toBe(400);
    expect(corsHeaders(refused.headers)).toEqual({});
  });
});

describe('unmatched routes', () => {
  test('an unknown path, or a known path with another method, is 404 {"message":"Not Found"} as API Gateway HTTP APIs answer', async () => {
    for (const [method, urlPath] of [
      ['GET', '/nothing/here'],
      ['GET', '/'],
      // POST /api/message_groups is a route since groups (#16); DELETE is not.
      ['DELETE', '/api/message_groups'],
      ['DELETE', '/api/messages'],
    ] as const) {
      const res = await api(method, urlPath);
      expect({ method, urlPath, status: res.status, body: res.body }).toEqual({
        method,
        urlPath,
        status: 404,
        body: { message: 'Not Found' },
      });
      expect(res.headers.get('content-type')).toContain('application/json');
    }
  });
});
