/**
 * Who gets in. Over HTTP the offline JWT authorizer checks claims only, so a forged
 * signature and an ID token reach the handlers: the 401 there comes from our middleware.
 * Expired tokens and other clients' tokens are already stopped by the offline authorizer,
 * so the middleware's own rejection of them is proven by calling a handler in process.
 */
import { createSign, generateKeyPairSync } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { handler as listMessageGroups } from '../../handlers/http/list-message-groups';
import { api, foreignClientAccessToken } from '../support/stack';
import { signedInUser, type SignedInUser } from './users';

// cognito-local's signing key ships in its package; signing with it makes a token that differs from a real one only where we choose.
const cognitoLocalKey: { pem: string } = require('cognito-local/lib/keys/cognitoLocal.private.json');

function signJwt(payload: Record<string, unknown>, privateKeyPem: string, kid = 'CognitoLocal'): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'RS256', typ: 'JWT', kid })}.${encode(payload)}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(privateKeyPem).toString('base64url');
  return `${unsigned}.${signature}`;
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

function event(token: string): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'GET /api/message_groups',
    rawPath: '/api/message_groups',
    rawQueryString: '',
    headers: { authorization: `Bearer ${token}` },
    requestContext: { http: { method: 'GET', path: '/api/message_groups' }, requestId: 'test' },
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}

const context = { awsRequestId: 'test-request', functionName: 'listMessageGroups' } as Context;

describe('authentication', () => {
  let user: SignedInUser;
  beforeAll(async () => {
    user = await signedInUser('Auth User');
  });

  test('a valid access token is accepted', async () => {
    const res = await api('GET', '/api/message_groups', { token: user.token });
    expect(res.status).toBe(200);
  });

  test('no token → 401 on every authorised route', async () => {
    for (const [method, path] of [
      ['GET', '/api/message_groups'],
      ['GET', `/api/messages/${user.profile.uuid}`],
      ['POST', '/api/messages'],
    ] as const) {
      const res = await api(method, path, method === 'POST' ? { json: { message: 'x', handle: 'ada' } } : {});
      expect(res.status).toBe(401);
    }
  });

  test('a token with valid claims signed by another key → 401 from the handler middleware, nothing written', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = signJwt(claimsOf(user.token), privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const res = await api('POST', '/api/messages', { token: forged, json: { message: 'forged', handle: user.handle } });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: { code: 'unauthenticated', message: expect.any(String) } });
  });

  test('an untrusted token is refused before the body is looked at: 401, not 400/413/415', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = signJwt(claimsOf(user.token), privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const res = await api('POST', '/api/messages', {
      token: forged,
      raw: '{"not json',
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(401);
  });

  test('an ID token (correct issuer, signature and audience) → 401: the API wants access tokens', async () => {
    const res = await api('GET', '/api/message_groups', { token: user.idToken });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthenticated');
  });

  test('an expired access token → 401, over HTTP and from the middleware itself', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = signJwt({ ...claimsOf(user.token), iat: now - 7200, exp: now - 3600 }, cognitoLocalKey.pem);
    expect((await api('GET', '/api/message_groups', { token: expired })).status).toBe(401);
    const direct = await listMessageGroups(event(expired), context);
    expect(direct.statusCode).toBe(401);
    expect(JSON.parse(direct.body ?? '{}').error.code).toBe('unauthenticated');
  });

  test("another app client's access token → 401, over HTTP and from the middleware itself", async () => {
    const other = { accessToken: await foreignClientAccessToken(user.email, user.password) };
    expect((await api('GET', '/api/message_groups', { token: other.accessToken })).status).toBe(401);
    const direct = await listMessageGroups(event(other.accessToken), context);
    expect(direct.statusCode).toBe(401);
  });

  test('the same valid token passes the in-process middleware (the direct calls above fail for the token, not the setup)', async () => {
    const direct = await listMessageGroups(event(user.token), context);
    expect(direct.statusCode).toBe(200);
  });
});
