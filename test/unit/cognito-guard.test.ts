/**
 * local/cognito-guard.js's Signature V4 check on its own, in front of a stand-in app: requests
 * signed by the real SDK with the local credentials pass; a signature older than 15 minutes,
 * or a request changed after signing (body, signed header), does not.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CognitoIdentityProviderClient, ListUsersCommand } from '@aws-sdk/client-cognito-identity-provider';

const { cognitoGuard } = require('../../local/cognito-guard') as {
  cognitoGuard: (
    app: http.RequestListener,
    options: { credentials: { accessKeyId: string; secretAccessKey: string } },
  ) => http.RequestListener;
};

let server: http.Server;
let endpoint: string;
let reached = 0;

beforeAll(async () => {
  const app: http.RequestListener = (_req, res) => {
    reached++;
    res.setHeader('content-type', 'application/x-amz-json-1.1');
    res.end(JSON.stringify({ Users: [] }));
  };
  server = http.createServer(cognitoGuard(app, { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function client(options: { systemClockOffset?: number } = {}) {
  return new CognitoIdentityProviderClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
    ...options,
  });
}

/** Changes the request after it was signed, just before it is sent. */
function tamper(
  c: CognitoIdentityProviderClient,
  change: (request: { headers: Record<string, string>; body?: unknown }) => void,
) {
  c.middlewareStack.add(
    (next) => async (args) => {
      change(args.request as { headers: Record<string, string>; body?: unknown });
      return next(args);
    },
    { step: 'deserialize', name: 'tamper' },
  );
}

const listUsers = (c: CognitoIdentityProviderClient) => c.send(new ListUsersCommand({ UserPoolId: 'local_pool' }));

test('a request signed with the local credentials reaches the app', async () => {
  const before = reached;
  await expect(listUsers(client())).resolves.toMatchObject({ Users: [] });
  expect(reached).toBe(before + 1);
});

test('a signature made 20 minutes ago is refused (SigV4 allows 15)', async () => {
  await expect(listUsers(client({ systemClockOffset: -20 * 60 * 1000 }))).rejects.toMatchObject({
    name: 'InvalidSignatureException',
    message: 'Signature expired',
  });
});

test('a body changed after signing is refused', async () => {
  const c = client();
  tamper(c, (request) => {
    request.body = JSON.stringify({ UserPoolId: 'local_other_pool' });
    request.headers['content-length'] = String(Buffer.byteLength(request.body as string));
  });
  const before = reached;
  await expect(listUsers(c)).rejects.toMatchObject({ name: 'InvalidSignatureException' });
  expect(reached).toBe(before);
});

test('a signed header changed after signing is refused', async () => {
  const c = client();
  tamper(c, (request) => {
    request.headers['x-amz-target'] = 'AWSCognitoIdentityProviderService.ListUserPools';
  });
  await expect(listUsers(c)).rejects.toMatchObject({ name: 'InvalidSignatureException' });
});
