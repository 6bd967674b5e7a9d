// @ts-check
/**
 * Local Cognito: cognito-local, run inside the calling process (like the DynamoDB engine),
 * so stopping `sls offline` stops it too. Assembled from cognito-local's own parts instead of
 * its CLI because the CLI keeps its data in `./.cognito` of the working directory and reads
 * its settings from there; here the data folder, port, token issuer and Lambda triggers are
 * arguments.
 *
 *   const cognito = await start({ port: 9229, dir: '.local/cognito', lambdaEndpoint, triggers, corsOrigins })
 *   const { userPoolId, clientId } = await cognito.ensurePoolAndClient({ poolName, clientName })
 *   await signUpUsers({ endpoint: cognito.endpoint, userPoolId, clientId, users })
 *
 * Ids: `cognito.ensurePoolAndClient` derives the pool id and client id from their names, so
 * they are the same on every start, and again after the data folder is deleted: a web client
 * built with them keeps working. (A pool found by name in the data folder keeps its id.)
 *
 * CORS: cognito-local answers every origin with `*`; here only the `corsOrigins` get CORS
 * headers (the dev web origin), every other origin none.
 *
 * Attack surface (local/cognito-guard.js): admin and management calls need a SigV4 signature
 * made with the local credentials (local/aws-env.js); a client writes only email, name and
 * preferred_username (never sub or a verified flag). The pool is made like resources/cognito.yml,
 * including AttributesRequireVerificationBeforeUpdate [email].
 *
 * Confirmation: ConfirmSignUp with the right code marks the email verified first, as Cognito
 * does (local/cognito-confirm.js).
 *
 * Sign-in: USER_PASSWORD_AUTH (cognito-local's), USER_SRP_AUTH (local/cognito-srp.js, what
 * Amplify uses by default), REFRESH_TOKEN_AUTH, and GetTokensFromRefreshToken
 * (local/cognito-refresh.js, Amplify v6's token refresh). Known difference from Cognito: a
 * failing PostConfirmation trigger is logged but does not fail the confirmation.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { createRequire } = require('node:module');
const {
  AdminConfirmSignUpCommand,
  AdminUpdateUserAttributesCommand,
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
  SignUpCommand,
} = require('@aws-sdk/client-cognito-identity-provider');
const { assertCognitoLocalInternals } = require('./cognito-local-internals');
const { withSrp } = require('./cognito-srp');
const { withTokenRefresh } = require('./cognito-refresh');
const { cognitoGuard } = require('./cognito-guard');
const { withVerifiedConfirmation } = require('./cognito-confirm');
const { LOCAL_AWS_ENV } = require('./aws-env');

const fromCognitoLocal = createRequire(require.resolve('cognito-local/package.json'));
const lib = (/** @type {string} */ name) => fromCognitoLocal(`./lib/${name}`);

/** The password policy of resources/cognito.yml, so local sign-ups fail where real ones would. */
const PASSWORD_POLICY = {
  MinimumLength: 8,
  RequireLowercase: true,
  RequireUppercase: true,
  RequireNumbers: true,
  RequireSymbols: false,
};

/**
 * resources/cognito.yml's UserAttributeUpdateSettings: a changed email is kept aside until the
 * code sent to it is verified (cognito-local then applies it with email_verified=true); until
 * then the user keeps the old, verified address.
 */
/**
 * resources/cognito.yml's token lifetimes: access and ID tokens 10 minutes (the revocation
 * window, README "Security model"), refresh tokens 30 days.
 */
const TOKEN_VALIDITY = Object.freeze({
  AccessTokenValidity: 10,
  IdTokenValidity: 10,
  RefreshTokenValidity: 30,
  TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'days' },
});

/** @type {{ AttributesRequireVerificationBeforeUpdate: Array<'email'> }} */
const USER_ATTRIBUTE_UPDATE_SETTINGS = { AttributesRequireVerificationBeforeUpdate: ['email'] };

/**
 * @typedef {object} StartOptions
 * @property {number} port TCP port (a real one: the token issuer contains it)
 * @property {string} dir data folder (user pools, clients, users as JSON files)
 * @property {string} [host] interface to bind (default 127.0.0.1)
 * @property {string} [lambdaEndpoint] where triggers are invoked, e.g. serverless-offline's http://127.0.0.1:3002
 * @property {Record<string, string>} [triggers] trigger name → Lambda function name, e.g. { PostConfirmation: 'svc-dev-postConfirmation' }
 * @property {(message: string) => void} [log] for confirmation codes and warnings
 * @property {string[]} [corsOrigins] browser origins that get CORS headers (default none)
 *
 * @typedef {object} LocalCognito
 * @property {string} endpoint e.g. http://127.0.0.1:9229
 * @property {string} issuerDomain token issuer prefix: the issuer of a pool's tokens is `${issuerDomain}/${userPoolId}`
 * @property {(names: { poolName: string, clientName: string }) => Promise<{ userPoolId: string, clientId: string, created: boolean }>} ensurePoolAndClient
 *   the pool and web client with these names, created with ids derived from the names if missing
 * @property {() => Promise<void>} stop
 */

/**
 * @param {StartOptions} options
 * @returns {Promise<LocalCognito>}
 */
async function start({ port, dir, host = '127.0.0.1', lambdaEndpoint, triggers = {}, log = () => {}, corsOrigins = [] }) {
  // The parts below are cognito-local internals: fail here, by name, if an upgrade moved one.
  assertCognitoLocalInternals();
  const { DateClock, TriggersService, LambdaService, MessagesService } = lib('services');
  const { CognitoServiceFactoryImpl } = lib('services/cognitoService');
  const { CryptoService } = lib('services/crypto');
  const { StormDBDataStoreFactory } = lib('services/dataStore/stormDb');
  const { MessageDeliveryService } = lib('services/messageDelivery/messageDelivery');
  const { otp } = lib('services/otp');
  const { JwtTokenGenerator } = lib('services/tokenGenerator');
  const { UserPoolServiceFactoryImpl } = lib('services/userPoolService');
  const { DefaultConfig } = lib('server/config');
  const { Router } = lib('server/Router');
  const { USER_POOL_AWS_DEFAULTS } = lib('services/cognitoService');
  const { createServer } = lib('server/server');
  // cognito-local is built on AWS SDK v2, which prints an end-of-support notice on load.
  process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE ??= '1';
  const AWS = fromCognitoLocal('aws-sdk');
  const pino = fromCognitoLocal('pino');

  const dataDirectory = path.resolve(dir);
  fs.mkdirSync(dataDirectory, { recursive: true });
  const endpoint = `http://${host}:${port}`;
  const logger = pino({ level: process.env.COGNITO_LOG_LEVEL ?? 'error' });
  const ctx = { logger };
  const config = {
    ...DefaultConfig,
    LambdaClient: { ...DefaultConfig.LambdaClient, ...(lambdaEndpoint ? { endpoint: lambdaEndpoint } : {}) },
    TriggerFunctions: triggers,
    TokenConfig: { IssuerDomain: endpoint },
    ServerConfig: { port, hostname: host, https: false, development: false },
  };

  const clock = new DateClock();
  const dataStoreFactory = new StormDBDataStoreFactory(dataDirectory);
  const cognito = await new CognitoServiceFactoryImpl(
    dataDirectory,
    dataStoreFactory,
    new UserPoolServiceFactoryImpl(clock, dataStoreFactory),
  ).create(ctx, config.UserPoolDefaults);
  const triggersService = new TriggersService(
    clock,
    cognito,
    new LambdaService(
      config.TriggerFunctions,
      new AWS.Lambda({ ...config.LambdaClient, maxRetries: 0, httpOptions: { timeout: 30_000 } }),
    ),
    new CryptoService(config.KMSConfig),
  );
  // One line per code instead of cognito-local's boxed console message.
  const sender = {
    /** @param {any} _ctx @param {any} user @param {string} destination @param {{__code?: string}} message */
    sendEmail: async (_ctx, user, destination, message) =>
      log(`confirmation code for ${destination ?? user.Username}: ${message.__code}`),
    /** @param {any} _ctx @param {any} user @param {string} destination @param {{__code?: string}} message */
    sendSms: async (_ctx, user, destination, message) =>
      log(`confirmation code for ${destination ?? user.Username}: ${message.__code}`),
  };
  const services = {
    clock,
    cognito,
    config,
    messages: new MessagesService(triggersService, new MessageDeliveryService(sender)),
    otp,
    tokenGenerator: new JwtTokenGenerator(clock, triggersService, config.TokenConfig),
    triggers: triggersService,
  };
  // cognito-local's express app, served by our own HTTP server: its CORS (`*`) is replaced.
  const { application } = createServer(
    withTokenRefresh(withSrp(withVerifiedConfirmation(Router(services), services), services)),
    logger,
    config.ServerConfig,
    services,
  );
  // Admin calls need the local credentials; clients write only the web client's attributes.
  const credentials = { accessKeyId: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY };
  const server = http.createServer(corsGate(cognitoGuard(application, { credentials }), corsOrigins));
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(undefined));
  });

  return {
    endpoint,
    issuerDomain: endpoint,
    async ensurePoolAndClient({ poolName, clientName }) {
      const ctx = { logger };
      const now = clock.get();
      let created = false;
      let pool = (await cognito.listUserPools(ctx)).find((/** @type {any} */ p) => p.Name === poolName);
      if (!pool) {
        const Id = stableId('local_', 8, BASE62, `pool\u0000${poolName}`);
        pool = await cognito.createUserPool(ctx, {
          Id,
          Name: poolName,
          Arn: `arn:aws:cognito-idp:local:local:userpool/${Id}`,
          CreationDate: now,
          LastModifiedDate: now,
          UsernameAttributes: ['email'],
          AutoVerifiedAttributes: ['email'],
          UserAttributeUpdateSettings: USER_ATTRIBUTE_UPDATE_SETTINGS,
          Policies: { PasswordPolicy: PASSWORD_POLICY },
          SchemaAttributes: USER_POOL_AWS_DEFAULTS.SchemaAttributes,
        });
        created = true;
      }
      const userPool = await cognito.getUserPool(ctx, pool.Id);
      // A pool kept in the data folder from before this setting gets it too.
      if (!userPool.options.UserAttributeUpdateSettings?.AttributesRequireVerificationBeforeUpdate?.includes('email')) {
        await userPool.updateOptions(ctx, { ...userPool.options, UserAttributeUpdateSettings: USER_ATTRIBUTE_UPDATE_SETTINGS });
      }
      let appClient = (await cognito.listAppClients(ctx, pool.Id)).find((/** @type {any} */ c) => c.ClientName === clientName);
      if (!appClient) {
        appClient = {
          ClientId: stableId('', 26, BASE36, `client\u0000${poolName}\u0000${clientName}`),
          ClientName: clientName,
          CreationDate: now,
          LastModifiedDate: now,
          ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
          ...TOKEN_VALIDITY,
          UserPoolId: pool.Id,
        };
        await userPool.saveAppClient(ctx, appClient);
        created = true;
      } else if (appClient.AccessTokenValidity !== TOKEN_VALIDITY.AccessTokenValidity) {
        // A client kept from before: the same lifetimes as a new one (cognito-local's default is 24 h).
        appClient = { ...appClient, ...TOKEN_VALIDITY, LastModifiedDate: now };
        await userPool.saveAppClient(ctx, appClient);
      }
      return { userPoolId: pool.Id, clientId: appClient.ClientId, created };
    },
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz';

/** An id of `length` characters of `alphabet`, the same for the same seed. */
function stableId(
  /** @type {string} */ prefix,
  /** @type {number} */ length,
  /** @type {string} */ alphabet,
  /** @type {string} */ seed,
) {
  let n = BigInt(`0x${crypto.createHash('sha256').update(seed).digest('hex')}`);
  let id = '';
  const base = BigInt(alphabet.length);
  for (let i = 0; i < length; i++, n /= base) id += alphabet[Number(n % base)];
  return prefix + id;
}

/**
 * Requests reach cognito-local's app with its own CORS headers dropped; a request from one of
 * `origins` gets ours (preflights are answered here), any other origin gets none.
 * @param {(req: http.IncomingMessage, res: http.ServerResponse) => void} app
 * @param {string[]} origins
 * @returns {http.RequestListener}
 */
function corsGate(app, origins) {
  return (req, res) => {
    const origin = req.headers.origin;
    const allowed = typeof origin === 'string' && (origins.includes(origin) || origins.includes('*'));
    const setHeader = res.setHeader.bind(res);
    res.setHeader = (name, value) => (/^access-control-/i.test(name) ? res : setHeader(name, value));
    if (allowed) {
      setHeader('Access-Control-Allow-Origin', origin);
      setHeader('Vary', 'Origin');
    }
    if (req.method === 'OPTIONS') {
      if (allowed) {
        setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
        setHeader(
          'Access-Control-Allow-Headers',
          req.headers['access-control-request-headers'] ?? 'content-type, x-amz-target, x-amz-user-agent',
        );
        setHeader('Access-Control-Max-Age', '600');
      }
      res.statusCode = 204;
      res.end();
      return;
    }
    app(req, res);
  };
}

/** @param {string} endpoint */
function client(endpoint) {
  return new CognitoIdentityProviderClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY },
    maxAttempts: 2,
  });
}

/**
 * The user pool and app client with these names, created if missing (idempotent), shaped
 * like resources/cognito.yml: email sign-in, name + preferred_username attributes, no secret.
 *
 * @param {{ endpoint: string, poolName: string, clientName: string }} options
 * @returns {Promise<{ userPoolId: string, clientId: string, created: boolean }>}
 */
async function ensurePoolAndClient({ endpoint, poolName, clientName }) {
  const cognito = client(endpoint);
  try {
    const pools = await cognito.send(new ListUserPoolsCommand({ MaxResults: 60 }));
    let userPoolId = pools.UserPools?.find((pool) => pool.Name === poolName)?.Id;
    let created = false;
    if (!userPoolId) {
      const { UserPool } = await cognito.send(
        new CreateUserPoolCommand({
          PoolName: poolName,
          UsernameAttributes: ['email'],
          AutoVerifiedAttributes: ['email'],
          UserAttributeUpdateSettings: USER_ATTRIBUTE_UPDATE_SETTINGS,
          Policies: { PasswordPolicy: PASSWORD_POLICY },
        }),
      );
      userPoolId = /** @type {string} */ (UserPool?.Id);
      created = true;
    }
    const clients = await cognito.send(new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 60 }));
    let clientId = clients.UserPoolClients?.find((c) => c.ClientName === clientName)?.ClientId;
    if (!clientId) {
      const { UserPoolClient } = await cognito.send(
        new CreateUserPoolClientCommand({
          UserPoolId: userPoolId,
          ClientName: clientName,
          GenerateSecret: false,
          ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        }),
      );
      clientId = /** @type {string} */ (UserPoolClient?.ClientId);
      created = true;
    }
    return { userPoolId, clientId, created };
  } finally {
    cognito.destroy();
  }
}

/**
 * @typedef {object} NewCognitoUser
 * @property {string} email
 * @property {string} password
 * @property {string} handle becomes preferred_username
 * @property {string} display_name becomes name
 */

/**
 * Signs users up and confirms them as an administrator would (AdminConfirmSignUp), which
 * fires the PostConfirmation trigger exactly like a user typing the emailed code.
 * Users that exist already are left alone (idempotent).
 *
 * @param {{ endpoint: string, userPoolId: string, clientId: string, users: NewCognitoUser[] }} options
 * @returns {Promise<{ created: string[], existing: string[] }>}
 */
async function signUpUsers({ endpoint, userPoolId, clientId, users }) {
  const cognito = client(endpoint);
  /** @type {{ created: string[], existing: string[] }} */
  const summary = { created: [], existing: [] };
  try {
    for (const user of users) {
      try {
        await cognito.send(
          new SignUpCommand({
            ClientId: clientId,
            Username: user.email,
            Password: user.password,
            UserAttributes: [
              { Name: 'email', Value: user.email },
              { Name: 'name', Value: user.display_name },
              { Name: 'preferred_username', Value: user.handle },
            ],
          }),
        );
      } catch (error) {
        if (/** @type {{name?: string}} */ (error).name !== 'UsernameExistsException') throw error;
      }
      const { UserStatus } = await cognito.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: user.email }));
      if (UserStatus === 'UNCONFIRMED') {
        // These are our own demo addresses: mark them verified, as the emailed code would,
        // so the trigger may link them to their seeded profiles.
        await cognito.send(
          new AdminUpdateUserAttributesCommand({
            UserPoolId: userPoolId,
            Username: user.email,
            UserAttributes: [
              { Name: 'email', Value: user.email },
              { Name: 'email_verified', Value: 'true' },
            ],
          }),
        );
        await cognito.send(new AdminConfirmSignUpCommand({ UserPoolId: userPoolId, Username: user.email }));
        summary.created.push(user.email);
      } else {
        summary.existing.push(user.email);
      }
    }
    return summary;
  } finally {
    cognito.destroy();
  }
}

/**
 * Logs in with USER_PASSWORD_AUTH (the scripts' and tests' flow; web clients use SRP, see
 * local/cognito-srp.js) and returns the tokens.
 *
 * @param {{ endpoint: string, clientId: string, email: string, password: string }} options
 * @returns {Promise<{ accessToken: string, idToken: string, refreshToken: string }>}
 */
async function login({ endpoint, clientId, email, password }) {
  const cognito = client(endpoint);
  try {
    const { AuthenticationResult: result } = await cognito.send(
      new InitiateAuthCommand({
        ClientId: clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: email, PASSWORD: password },
      }),
    );
    if (!result?.AccessToken || !result.IdToken) throw new Error(`login for ${email} returned no tokens`);
    return { accessToken: result.AccessToken, idToken: result.IdToken, refreshToken: result.RefreshToken ?? '' };
  } finally {
    cognito.destroy();
  }
}

/**
 * Where the plugin records the running local Cognito (endpoint, pool and client ids), for
 * `npm run token` and other local tools.
 * @param {string} dir
 */
function stateFile(dir) {
  return path.join(path.resolve(dir), 'local-cognito.json');
}

module.exports = { start, ensurePoolAndClient, signUpUsers, login, stateFile, PASSWORD_POLICY };
