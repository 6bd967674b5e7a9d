/**
 * Two local-stack attacks from the security pass (issue #21), refused by local/offline-http.js:
 * a page in the developer's browser running a function through the Lambda invoke port, and a
 * request with two Authorization headers (the authorizer read one, the handler the other);
 * and no compression, which API Gateway's HTTP APIs do not have.
 */
import { request } from 'node:http';
import { api, stack } from '../support/stack';
import { signedInUser } from './users';

const EVIL_ORIGIN = 'https://evil.example';

/** One raw HTTP request, so a header can be sent twice (fetch would join the values). */
function rawRequest(url: string, method: string, headers: Record<string, string | string[]>, body?: string) {
  return new Promise<{ status: number; body: string; headers: Record<string, unknown> }>((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const invokeUrl = () => `${stack().lambdaEndpoint}/2015-03-31/functions/cruddur-messaging-dev-scan/invocations`;

test('the Lambda invoke port refuses a browser-origin request (the text/plain POST a page can send) before running anything', async () => {
  const refused = await rawRequest(invokeUrl(), 'POST', { origin: EVIL_ORIGIN, 'content-type': 'text/plain' }, '{}');
  expect(refused.status).toBe(403);
  expect(JSON.parse(refused.body)).toEqual({ message: expect.stringContaining('refuses browser origins') });
  // Node tools (cognito-local's triggers, our tests) send no Origin and are served.
  const served = await rawRequest(invokeUrl(), 'POST', { 'content-type': 'application/json' }, JSON.stringify({ limit: 1 }));
  expect(served.status).toBe(200);
});

test('a request with two Authorization headers is refused with 401 whichever of them is valid, as API Gateway does', async () => {
  const user = await signedInUser('Twice');
  const url = `${stack().apiUrl}/api/message_groups`;
  for (const headers of [
    [`Bearer ${user.token}`, 'Bearer forged'],
    ['Bearer forged', `Bearer ${user.token}`],
  ]) {
    const reply = await rawRequest(url, 'GET', { authorization: headers });
    expect(reply.status).toBe(401);
    expect(JSON.parse(reply.body)).toEqual({ message: 'Unauthorized' });
  }
  // One header: served as before.
  expect((await api('GET', '/api/message_groups', { token: user.token })).status).toBe(200);
});

test('answers are never compressed, as API Gateway HTTP APIs never compress, even when the client accepts gzip', async () => {
  const [user, other] = await Promise.all([signedInUser('Plain'), signedInUser('Other')]);
  // Well over hapi's 1 KB compression threshold.
  const text = 'compress me '.repeat(60);
  const started = await api('POST', '/api/messages', { token: user.token, json: { handle: other.handle, message: text } });
  const group = started.body.message_group_uuid;
  await api('POST', '/api/messages', { token: user.token, json: { message_group_uuid: group, message: text } });
  const reply = await rawRequest(`${stack().apiUrl}/api/messages/${group}`, 'GET', {
    authorization: `Bearer ${user.token}`,
    'accept-encoding': 'gzip, deflate, br',
  });
  expect(reply.status).toBe(200);
  expect(reply.body.length).toBeGreaterThan(1024);
  expect(reply.headers['content-encoding']).toBeUndefined();
  expect(JSON.parse(reply.body)).toHaveLength(2);
});
