// @ts-check
/**
 * SRP sign-in (AuthFlow USER_SRP_AUTH) for the local Cognito: cognito-local 5.3 answers it
 * with "unsupported feature", and Amplify (v5 and v6) and amazon-cognito-identity-js use it by
 * default. Added from the outside: `withSrp(router, services)` wraps cognito-local's router
 * (the function that maps an x-amz-target to a target) and answers
 *
 *   InitiateAuth           AuthFlow=USER_SRP_AUTH        → PASSWORD_VERIFIER challenge
 *   RespondToAuthChallenge ChallengeName=PASSWORD_VERIFIER → tokens (or the next challenge)
 *
 * and passes every other call to cognito-local untouched.
 *
 * Cognito's SRP-6a variant, as amazon-cognito-identity-js (src/AuthenticationHelper.js,
 * CognitoUser.js) computes it on the client side:
 *   N, g     the 3072-bit group of RFC 5054 (the same prime as RFC 3526 group 15), g = 2
 *   k        H(pad(N) | pad(g))
 *   x        H(pad(salt) | H(poolName | userIdForSrp | ":" | password)), poolName = the part of
 *            the pool id after "_"
 *   v        g^x;  B = k·v + g^b;  u = H(pad(A) | pad(B));  S = (A · v^u)^b
 *   K        HKDF-SHA256(ikm = pad(S), salt = pad(u), info = "Caldera Derived Key"), 16 bytes
 *            (the client's hand-made HMAC pair is exactly RFC 5869's one-block HKDF)
 *   claim    base64 HMAC-SHA256(K, poolName | userIdForSrp | SECRET_BLOCK bytes | TIMESTAMP)
 * H is SHA-256; pad() is the even-length big-endian hex with a leading 00 when the top bit is
 * set. Big integers are the language's own BigInt (+, ·, mod); modular exponentiation is
 * bigint-mod-arith's modPow (maintained, no dependencies, pinned); hashing, HMAC, HKDF, random
 * numbers and sealing are node:crypto. (bn.js was tried first: 144 ms per 1024-bit exponent against
 * 23 ms for BigInt, and a sign-in needs two.)
 *
 * cognito-local keeps the plaintext password, so the verifier v is derived per request, with
 * a per-user salt from a per-process key. SECRET_BLOCK is the server's state of one attempt
 * (b, A, B, user, client), sealed with AES-256-GCM under that key: nothing is stored between
 * the two calls, and a block is refused after AUTH_SESSION_MS, when tampered with, or for
 * another client or user. A restart of the local Cognito invalidates attempts in flight.
 *
 * As Cognito does with PreventUserExistenceErrors (our client's setting): an unknown user
 * gets a well-formed challenge and then NotAuthorizedException, like a wrong password.
 * Once the claim is proven, the rest is cognito-local's own USER_PASSWORD_AUTH with the
 * stored password: the same user-status checks (unconfirmed, reset required, new password
 * required), MFA challenges, PostAuthentication trigger, tokens and refresh-token record.
 */
const crypto = require('node:crypto');
const { modPow: bigModPow } = require('bigint-mod-arith');

/** Cognito's default AuthSessionValidity: 3 minutes between the challenge and its answer. */
const AUTH_SESSION_MS = 3 * 60 * 1000;
const TIMESTAMP =
  /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2} \d{2}:\d{2}:\d{2} UTC \d{4}$/;
/** A 3072-bit number in hex, at most (plus room for leading zeros). */
const HEX = /^[0-9a-fA-F]{1,800}$/;

// RFC 5054's 3072-bit group is RFC 3526's group 15, which OpenSSL ships: no prime is pasted here.
const N = toBig(crypto.getDiffieHellman('modp15').getPrime());
const g = 2n;

/** @param {Buffer} bytes big-endian */
function toBig(bytes) {
  return bytes.length === 0 ? 0n : BigInt(`0x${bytes.toString('hex')}`);
}

/** @param {string} hex */
function fromHex(hex) {
  return BigInt(`0x${hex}`);
}

/** @param {bigint} n non-negative */
function padHex(n) {
  let hex = n.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  return /^[89a-f]/i.test(hex) ? `00${hex}` : hex;
}

/** @param {Buffer | string} data */
const sha256 = (data) => crypto.createHash('sha256').update(data).digest();
/** @param {string} hex */
const hexHash = (hex) => sha256(Buffer.from(hex, 'hex'));
/** @param {bigint} base @param {bigint} exponent */
const modPow = (base, exponent) => bigModPow(base, exponent, N);

const k = toBig(hexHash(padHex(N) + padHex(g)));

/** The part of a pool id after the region: "local_Ab12Cd34" → "Ab12Cd34". */
function poolNameOf(/** @type {string} */ userPoolId) {
  return userPoolId.slice(userPoolId.indexOf('_') + 1);
}

/**
 * The verifier for a password: v = g^x.
 * @param {{ userPoolId: string, userIdForSrp: string, password: string, salt: bigint }} p
 */
function verifier({ userPoolId, userIdForSrp, password, salt }) {
  const inner = sha256(`${poolNameOf(userPoolId)}${userIdForSrp}:${password}`).toString('hex');
  const x = toBig(hexHash(padHex(salt) + inner));
  return modPow(g, x);
}

/** A fresh server key pair: b, and B = k·v + g^b (never 0 mod N). @param {bigint} v */
function serverKeys(v) {
  for (;;) {
    const b = toBig(crypto.randomBytes(128));
    const B = (k * v + modPow(g, b)) % N;
    if (B !== 0n) return { b, B };
  }
}

/**
 * The 16-byte key both sides derive: HKDF over S = (A · v^u)^b with salt u.
 * @param {{ A: bigint, B: bigint, b: bigint, v: bigint }} p
 */
function sessionKey({ A, B, b, v }) {
  const u = toBig(hexHash(padHex(A) + padHex(B)));
  if (u === 0n) return undefined;
  const S = modPow(A * modPow(v, u), b);
  return Buffer.from(
    crypto.hkdfSync('sha256', Buffer.from(padHex(S), 'hex'), Buffer.from(padHex(u), 'hex'), 'Caldera Derived Key', 16),
  );
}

/**
 * @param {{ key: Buffer, userPoolId: string, userIdForSrp: string, secretBlock: string, timestamp: string }} p
 */
function claimSignature({ key, userPoolId, userIdForSrp, secretBlock, timestamp }) {
  return crypto
    .createHmac('sha256', key)
    .update(
      Buffer.concat([
        Buffer.from(poolNameOf(userPoolId), 'utf8'),
        Buffer.from(userIdForSrp, 'utf8'),
        Buffer.from(secretBlock, 'base64'),
        Buffer.from(timestamp, 'utf8'),
      ]),
    )
    .digest();
}

/**
 * The SRP targets over one cognito-local service set.
 * @param {(target: string) => (ctx: any, req: any) => Promise<any>} router cognito-local's Router(services)
 * @param {any} services cognito-local's services (cognito, clock…)
 * @param {{ key?: Buffer, now?: () => number }} [options] sealing key (random per process) and clock, for tests
 * @returns {(target: string) => (ctx: any, req: any) => Promise<any>}
 */
function withSrp(router, services, { key = crypto.randomBytes(32), now = Date.now } = {}) {
  const { InvalidParameterError, NotAuthorizedError } = require(require.resolve('cognito-local/lib/errors'));
  const incorrect = () => new NotAuthorizedError('Incorrect username or password.');
  const initiateAuth = router('InitiateAuth');
  const respondToAuthChallenge = router('RespondToAuthChallenge');

  /** @param {string} userPoolId @param {string} userIdForSrp */
  const saltFor = (userPoolId, userIdForSrp) =>
    toBig(crypto.createHmac('sha256', key).update(`salt\u0000${userPoolId}\u0000${userIdForSrp}`).digest().subarray(0, 16));

  /** @param {object} state */
  function seal(state) {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(state), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /** @param {string} block @returns {any} undefined when not ours, tampered with or malformed */
  function unseal(block) {
    try {
      const raw = Buffer.from(block, 'base64');
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8'));
    } catch {
      return undefined;
    }
  }

  /** @param {any} ctx @param {any} req */
  async function srpInitiateAuth(ctx, req) {
    const username = req.AuthParameters?.USERNAME;
    const srpA = req.AuthParameters?.SRP_A;
    if (typeof username !== 'string' || !username) throw new InvalidParameterError('Missing required parameter USERNAME');
    if (typeof srpA !== 'string' || !HEX.test(srpA)) throw new InvalidParameterError('Missing required parameter SRP_A');
    const A = fromHex(srpA);
    if (A % N === 0n) throw new InvalidParameterError('SRP_A mod N cannot be 0');
    const userPool = await services.cognito.getUserPoolForClientId(ctx, req.ClientId);
    const client = await services.cognito.getAppClient(ctx, req.ClientId);
    if (!client) throw new NotAuthorizedError();
    const flows = client.ExplicitAuthFlows ?? [];
    if (flows.length > 0 && !flows.includes('ALLOW_USER_SRP_AUTH') && !flows.includes('USER_SRP_AUTH')) {
      throw new InvalidParameterError('USER_SRP_AUTH flow not enabled for this client');
    }
    const userPoolId = userPool.options.Id;
    const user = await userPool.getUserByUsername(ctx, username);
    // An unknown user gets a challenge of the same shape (and the same salt every time).
    const userIdForSrp = user ? user.Username : username;
    const salt = saltFor(userPoolId, userIdForSrp);
    const v = user
      ? verifier({ userPoolId, userIdForSrp, password: user.Password ?? '', salt })
      : modPow(g, toBig(crypto.randomBytes(32)));
    const { b, B } = serverKeys(v);
    const secretBlock = seal({
      pool: userPoolId,
      client: req.ClientId,
      user: userIdForSrp,
      known: Boolean(user),
      A: A.toString(16),
      b: b.toString(16),
      B: B.toString(16),
      at: now(),
    });
    return {
      ChallengeName: 'PASSWORD_VERIFIER',
      ChallengeParameters: {
        SALT: salt.toString(16),
        SECRET_BLOCK: secretBlock,
        SRP_B: B.toString(16),
        USERNAME: userIdForSrp,
        USER_ID_FOR_SRP: userIdForSrp,
      },
    };
  }

  /** @param {any} ctx @param {any} req */
  async function passwordVerifier(ctx, req) {
    const responses = req.ChallengeResponses ?? {};
    for (const name of ['USERNAME', 'PASSWORD_CLAIM_SECRET_BLOCK', 'PASSWORD_CLAIM_SIGNATURE', 'TIMESTAMP']) {
      if (typeof responses[name] !== 'string' || !responses[name])
        throw new InvalidParameterError(`Missing required parameter ${name}`);
    }
    if (!TIMESTAMP.test(responses.TIMESTAMP))
      throw new InvalidParameterError('TIMESTAMP format must be "ddd MMM d HH:mm:ss UTC yyyy"');
    const state = unseal(responses.PASSWORD_CLAIM_SECRET_BLOCK);
    const age = state ? now() - state.at : Infinity;
    if (!state || state.client !== req.ClientId || state.user !== responses.USERNAME || !(age >= 0 && age <= AUTH_SESSION_MS)) {
      throw new NotAuthorizedError('Invalid session for the user, session is expired.');
    }
    const userPool = await services.cognito.getUserPoolForClientId(ctx, req.ClientId);
    const user = state.known && state.pool === userPool.options.Id ? await userPool.getUserByUsername(ctx, state.user) : null;
    if (!user || user.Username !== state.user) throw incorrect();
    const salt = saltFor(state.pool, state.user);
    const v = verifier({ userPoolId: state.pool, userIdForSrp: state.user, password: user.Password ?? '', salt });
    const sessionKeyBytes = sessionKey({ A: fromHex(state.A), B: fromHex(state.B), b: fromHex(state.b), v });
    const claimed = Buffer.from(responses.PASSWORD_CLAIM_SIGNATURE, 'base64');
    const expected = sessionKeyBytes
      ? claimSignature({
          key: sessionKeyBytes,
          userPoolId: state.pool,
          userIdForSrp: state.user,
          secretBlock: responses.PASSWORD_CLAIM_SECRET_BLOCK,
          timestamp: responses.TIMESTAMP,
        })
      : undefined;
    if (!expected || claimed.length !== expected.length || !crypto.timingSafeEqual(claimed, expected)) throw incorrect();
    // Proven: the rest (status checks, MFA, triggers, tokens) is cognito-local's password flow.
    return initiateAuth(ctx, {
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: req.ClientId,
      AuthParameters: { USERNAME: user.Username, PASSWORD: user.Password },
      ClientMetadata: req.ClientMetadata,
    });
  }

  return (target) => {
    if (target === 'InitiateAuth') {
      return (ctx, req) => (req?.AuthFlow === 'USER_SRP_AUTH' ? srpInitiateAuth(ctx, req) : initiateAuth(ctx, req));
    }
    if (target === 'RespondToAuthChallenge') {
      return (ctx, req) =>
        req?.ChallengeName === 'PASSWORD_VERIFIER' ? passwordVerifier(ctx, req) : respondToAuthChallenge(ctx, req);
    }
    return router(target);
  };
}

module.exports = { withSrp, AUTH_SESSION_MS, N, g, k, padHex };
