// @ts-check
/**
 * amazon-cognito-identity-js, run as a plain Node process for the SRP tests
 * (test/http/srp.test.ts): inside jest's module sandbox its pure-JS big integers run about
 * 60 times slower (a 3072-bit modPow takes 10 s instead of 150 ms), so the tests call the
 * real library here instead and get JSON back.
 *
 *   node test/support/cognito-identity-client.js '{"op":"signIn", "endpoint", "userPoolId", "clientId", "email", "password", "record": true}'
 *   node test/support/cognito-identity-client.js '{"op":"refresh", "endpoint", "userPoolId", "clientId", "username", "refreshToken"}'
 *   node test/support/cognito-identity-client.js '{"op":"params"}'   → the library's N, g, k and a fresh A
 *
 * Prints one JSON line: { ok: true, ... } or { ok: false, code, message }.
 */
const { AuthenticationDetails, CognitoRefreshToken, CognitoUser, CognitoUserPool } = require('amazon-cognito-identity-js');
/** Exported by the library, though not in its type declarations. */
const { AuthenticationHelper } = /** @type {any} */ (require('amazon-cognito-identity-js'));

/** @param {any} session */
function tokens(session) {
  return {
    accessToken: session.getAccessToken().getJwtToken(),
    idToken: session.getIdToken().getJwtToken(),
    refreshToken: session.getRefreshToken().getToken(),
    sub: session.getAccessToken().payload.sub,
    email: session.getIdToken().payload.email,
  };
}

/** @param {any} request */
async function run(request) {
  if (request.op === 'params') {
    const helper = /** @type {any} */ (new AuthenticationHelper('x'));
    return { N: helper.N.toString(16), g: helper.g.toString(16), k: helper.k.toString(16), A: helper.largeAValue.toString(16) };
  }
  const pool = new CognitoUserPool({ UserPoolId: request.userPoolId, ClientId: request.clientId, endpoint: request.endpoint });
  if (request.op === 'signIn') {
    /** @type {unknown} */
    let answer;
    if (request.record) {
      // The PASSWORD_VERIFIER answer as sent, for tests that replay altered copies of it.
      const originalFetch = globalThis.fetch;
      globalThis.fetch = async (input, init) => {
        if (new Headers(init?.headers).get('x-amz-target')?.endsWith('RespondToAuthChallenge'))
          answer = JSON.parse(String(init?.body));
        return originalFetch(input, init);
      };
    }
    const user = new CognitoUser({ Username: request.email, Pool: pool });
    const flow = user.getAuthenticationFlowType();
    const started = performance.now();
    const session = await new Promise((resolve, reject) =>
      user.authenticateUser(new AuthenticationDetails({ Username: request.email, Password: request.password }), {
        onSuccess: resolve,
        onFailure: reject,
        newPasswordRequired: () =>
          reject(Object.assign(new Error('unexpected NEW_PASSWORD_REQUIRED'), { code: 'NewPasswordRequired' })),
      }),
    );
    return {
      flow,
      ms: Math.round(performance.now() - started),
      username: user.getUsername(),
      ...tokens(session),
      ...(answer ? { answer } : {}),
    };
  }
  if (request.op === 'refresh') {
    const user = new CognitoUser({ Username: request.username, Pool: pool });
    const session = await new Promise((resolve, reject) =>
      user.refreshSession(
        new CognitoRefreshToken({ RefreshToken: request.refreshToken }),
        (/** @type {any} */ error, /** @type {any} */ result) => (error ? reject(error) : resolve(result)),
      ),
    );
    return tokens(session);
  }
  throw new Error(`unknown op ${request.op}`);
}

run(JSON.parse(process.argv[2] ?? '{}')).then(
  (result) => console.log(JSON.stringify({ ok: true, ...result })),
  (error) => console.log(JSON.stringify({ ok: false, code: error.code ?? error.name, message: error.message })),
);
