// @ts-check
/**
 * What the deployed user pool refuses and cognito-local 5.3 lets through (#21 item 1), put in
 * front of cognito-local's app by local/cognito.js:
 *
 * - **Admin and management calls need the local credentials.** On AWS, every call but the
 *   client ones (sign-up, sign-in, the caller's own attributes and session, by access token) is
 *   signed with IAM credentials. cognito-local answers them unsigned, so any local process or
 *   web page could `ListUsers` (every email and sub) or `AdminUpdateUserAttributes`. Here such
 *   a call must carry a valid Signature Version 4 made with the local credentials
 *   (local/aws-env.js, what the plugin, the tests and the offline Lambdas use): unsigned is
 *   `MissingAuthenticationTokenException`, another key `UnrecognizedClientException`, a wrong
 *   secret or altered request `InvalidSignatureException` (all 403, as Cognito answers).
 * - **A client writes only the web client's WriteAttributes** (`email`, `name`,
 *   `preferred_username`, as resources/cognito.yml declares): `SignUp` and
 *   `UpdateUserAttributes` carrying `sub`, `email_verified`, `phone_number_verified` or any
 *   other attribute are refused with Cognito's `NotAuthorizedException` "A client attempted to
 *   write unauthorized attribute", and `DeleteUserAttributes` may not remove those either.
 *   cognito-local would keep a client's `sub` (another user's profile by the PostConfirmation
 *   trigger) and a client's `email_verified=true` (an unlinked profile by email).
 *
 * The body is read here once and handed to cognito-local's app already parsed (its body
 * parser skips a request whose body was read).
 */
const crypto = require('node:crypto');

const TARGET_PREFIX = 'AWSCognitoIdentityProviderService.';
const MAX_BODY_BYTES = 1024 * 1024;
/** How far a signature's date may be from ours (SigV4's own limit). */
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** Calls a client makes without IAM credentials (by client id, session or access token). */
const CLIENT_OPERATIONS = new Set([
  'SignUp',
  'ConfirmSignUp',
  'ResendConfirmationCode',
  'InitiateAuth',
  'RespondToAuthChallenge',
  'GetTokensFromRefreshToken',
  'RevokeToken',
  'GlobalSignOut',
  'ForgotPassword',
  'ConfirmForgotPassword',
  'ChangePassword',
  'GetUser',
  'DeleteUser',
  'UpdateUserAttributes',
  'DeleteUserAttributes',
  'GetUserAttributeVerificationCode',
  'VerifyUserAttribute',
  'AssociateSoftwareToken',
  'VerifySoftwareToken',
  'SetUserMFAPreference',
]);

/** resources/cognito.yml, CognitoUserPoolClientCruddur.WriteAttributes. */
const WRITE_ATTRIBUTES = ['email', 'name', 'preferred_username'];
/** Never a client's to set or remove. */
const PROTECTED_ATTRIBUTES = ['sub', 'email_verified', 'phone_number_verified'];

/**
 * @typedef {{ accessKeyId: string, secretAccessKey: string }} Credentials
 * @typedef {{ status: number, type: string, message: string }} Refusal
 */

/**
 * @param {import('node:http').RequestListener} app cognito-local's app
 * @param {{ credentials: Credentials, writeAttributes?: string[], now?: () => number }} options
 * @returns {import('node:http').RequestListener}
 */
function cognitoGuard(app, { credentials, writeAttributes = WRITE_ATTRIBUTES, now = Date.now }) {
  return (req, res) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    if (req.method !== 'POST' || !target.startsWith(TARGET_PREFIX)) {
      app(req, res);
      return;
    }
    /** @type {Buffer[]} */
    const chunks = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (/** @type {Buffer} */ chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) return refuse(res, { status: 413, type: 'InvalidParameterException', message: 'Request body too large' });
      const raw = Buffer.concat(chunks);
      let body;
      try {
        body = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
      } catch {
        return refuse(res, { status: 400, type: 'SerializationException', message: 'Request body is not valid JSON' });
      }
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        return refuse(res, { status: 400, type: 'SerializationException', message: 'Request body must be a JSON object' });
      }
      const operation = target.slice(TARGET_PREFIX.length);
      const refusal = CLIENT_OPERATIONS.has(operation)
        ? refuseAttributes(operation, body, writeAttributes)
        : checkSignature(req, raw, credentials, now());
      if (refusal) return refuse(res, refusal);
      /** @type {any} */ (req).body = body;
      app(req, res);
    });
  };
}

/** @param {import('node:http').ServerResponse} res @param {Refusal} refusal */
function refuse(res, { status, type, message }) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/x-amz-json-1.1');
  res.setHeader('x-amzn-ErrorType', type);
  res.end(JSON.stringify({ __type: type, message }));
}

/**
 * @param {string} operation
 * @param {any} body
 * @param {string[]} writeAttributes
 * @returns {Refusal | undefined}
 */
function refuseAttributes(operation, body, writeAttributes) {
  const unauthorized = {
    status: 400,
    type: 'NotAuthorizedException',
    message: 'A client attempted to write unauthorized attribute',
  };
  if (operation === 'SignUp' || operation === 'UpdateUserAttributes') {
    const attributes = body.UserAttributes ?? [];
    if (!Array.isArray(attributes))
      return { status: 400, type: 'InvalidParameterException', message: 'UserAttributes must be a list' };
    for (const attribute of attributes) {
      if (!writeAttributes.includes(String(attribute?.Name))) return unauthorized;
    }
  }
  if (operation === 'DeleteUserAttributes') {
    const names = body.UserAttributeNames ?? [];
    if (!Array.isArray(names))
      return { status: 400, type: 'InvalidParameterException', message: 'UserAttributeNames must be a list' };
    if (names.some((name) => PROTECTED_ATTRIBUTES.includes(String(name)))) return unauthorized;
  }
  return undefined;
}

const sha256 = (/** @type {string | Buffer} */ data) => crypto.createHash('sha256').update(data).digest('hex');
const hmac = (/** @type {string | Buffer} */ key, /** @type {string} */ data) =>
  crypto.createHmac('sha256', key).update(data).digest();

/**
 * Signature Version 4 of the request, made with `credentials`: the signature is recomputed
 * from the method, path, query, the headers it names and the body, and compared.
 * @param {import('node:http').IncomingMessage} req
 * @param {Buffer} body
 * @param {Credentials} credentials
 * @param {number} nowMs
 * @returns {Refusal | undefined}
 */
function checkSignature(req, body, credentials, nowMs) {
  const authorization = req.headers.authorization;
  if (typeof authorization !== 'string' || authorization === '') {
    return { status: 403, type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
  }
  const parsed =
    /^AWS4-HMAC-SHA256 Credential=([^/\s,]+)\/(\d{8})\/([^/\s,]+)\/([^/\s,]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
  const invalid = {
    status: 403,
    type: 'InvalidSignatureException',
    message: 'The request signature we calculated does not match the signature you provided.',
  };
  if (!parsed) return invalid;
  const [, accessKeyId, day, region, service, signedHeaderList, signature] = /** @type {string[]} */ (parsed);
  if (accessKeyId !== credentials.accessKeyId) {
    return {
      status: 403,
      type: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    };
  }
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const stamp = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!stamp || amzDate.slice(0, 8) !== day) return invalid;
  const [year, month, date, hour, minute, second] = stamp.slice(1).map(Number);
  const signedAt = Date.UTC(Number(year), Number(month) - 1, Number(date), Number(hour), Number(minute), Number(second));
  if (Math.abs(nowMs - signedAt) > MAX_CLOCK_SKEW_MS) return { ...invalid, message: 'Signature expired' };
  const signedHeaders = String(signedHeaderList).split(';');
  if (!signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date')) return invalid;

  const url = new URL(req.url ?? '/', 'http://local');
  const query = [...url.searchParams]
    .map(([k, v]) => `${encodeRfc3986(k)}=${encodeRfc3986(v)}`)
    .sort()
    .join('&');
  const headers = signedHeaders.map((name) => {
    const value = req.headers[name];
    const text = Array.isArray(value) ? value.join(',') : String(value ?? '');
    return `${name}:${text.trim().replace(/\s+/g, ' ')}\n`;
  });
  const canonicalPath = url.pathname
    .split('/')
    .map((segment) => encodeRfc3986(encodeRfc3986(decodeURIComponent(segment))))
    .join('/');
  const canonical = [req.method, canonicalPath, query, headers.join(''), signedHeaderList, sha256(body)].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(
    hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, String(day)), String(region)), String(service)),
    'aws4_request',
  );
  const expected = Buffer.from(hmac(key, stringToSign).toString('hex'));
  const given = Buffer.from(String(signature));
  return expected.length === given.length && crypto.timingSafeEqual(expected, given) ? undefined : invalid;
}

/** @param {string} text */
function encodeRfc3986(text) {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

module.exports = { cognitoGuard, CLIENT_OPERATIONS, WRITE_ATTRIBUTES, PROTECTED_ATTRIBUTES };
