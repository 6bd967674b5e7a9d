// @ts-check
/**
 * The local Cognito part of `sls offline start` (called by local/serverless-plugin.js):
 *
 * 1. `start()` (before serverless-offline starts): runs cognito-local on COGNITO_PORT (9229)
 *    with its data in COGNITO_PATH (.local/cognito), creates the pool and client if absent
 *    (ids derived from their names: the same on every start), answers CORS for the HTTP API's
 *    allowed origins only (the dev web origin, WEB_ORIGIN),
 *    points its PreSignUp and PostConfirmation triggers at serverless-offline's Lambda endpoint, and writes
 *    the ids, issuer and endpoint into the functions' environment and the offline JWT
 *    authorizer — serverless-offline reads both only after this, when it builds the Lambdas
 *    and routes. The ids are also recorded in `<COGNITO_PATH>/local-cognito.json` for tools.
 * 2. `ready()` (once serverless-offline listens): signs up and confirms the demo users
 *    (which runs the real trigger through the offline Lambda), then links or creates the
 *    profiles of every pool user (syncCognitoUsers), because the users outlive an in-memory
 *    table between runs. Then prints what a web client needs (region, pool id, client id,
 *    Cognito endpoint, API URL) and writes it to WEB_CONFIG_FILE (.local/web-config.json).
 */
const fs = require('node:fs');
const path = require('node:path');
const { signUpUsers, start, stateFile } = require('./cognito');

const ROOT = path.join(__dirname, '..');
const COGNITO_VARIABLES = ['COGNITO_USER_POOL_ID', 'COGNITO_CLIENT_ID', 'COGNITO_ISSUER', 'COGNITO_ENDPOINT'];

/**
 * @param {{ serverless: any, options: Record<string, any>, log: any, loadTs: (specifier: string) => any }} context
 */
async function startLocalCognito({ serverless, options, log, loadTs }) {
  const service = serverless.service;
  const port = Number(process.env.COGNITO_PORT ?? 9229);
  const dir = path.resolve(ROOT, process.env.COGNITO_PATH ?? '.local/cognito');
  const offline = service.custom?.['serverless-offline'] ?? {};
  const lambdaPort = Number(options.lambdaPort ?? offline.lambdaPort ?? 3002);
  const lambdaHost = options.host ?? offline.host ?? 'localhost';
  const triggers = {
    PreSignUp: service.getFunction('preSignUp').name,
    PostConfirmation: service.getFunction('postConfirmation').name,
  };
  /** @type {string[]} */
  const corsOrigins = service.provider.httpApi?.cors?.allowedOrigins ?? [];

  const cognito = await start({
    port,
    dir,
    lambdaEndpoint: `http://${lambdaHost}:${lambdaPort}`,
    triggers,
    log: (message) => log.notice(`Cognito (local): ${message}`),
    corsOrigins,
  });
  const ids = await cognito.ensurePoolAndClient({
    poolName: `${service.service}-${service.provider.stage}`,
    clientName: `${service.service}-${service.provider.stage}-web`,
  });
  const issuer = `${cognito.issuerDomain}/${ids.userPoolId}`;
  /** @type {Record<string, string>} */
  const values = {
    COGNITO_USER_POOL_ID: ids.userPoolId,
    COGNITO_CLIENT_ID: ids.clientId,
    COGNITO_ISSUER: issuer,
    COGNITO_ENDPOINT: cognito.endpoint,
  };
  for (const name of Object.keys(service.functions ?? {})) {
    const environment = service.getFunction(name).environment;
    if (!environment) continue;
    for (const variable of COGNITO_VARIABLES) if (variable in environment) environment[variable] = values[variable];
  }
  const authorizer = service.provider.httpApi?.authorizers?.cognito;
  if (authorizer) Object.assign(authorizer, { issuerUrl: issuer, audience: [ids.clientId] });
  // Our own code in this process (syncCognitoUsers) reads the same variables the Lambdas get.
  Object.assign(process.env, values);
  fs.writeFileSync(
    stateFile(dir),
    `${JSON.stringify({ endpoint: cognito.endpoint, issuer, userPoolId: ids.userPoolId, clientId: ids.clientId }, null, 2)}\n`,
  );
  log.notice(
    `Cognito (local) ${cognito.endpoint} — pool ${ids.userPoolId}, client ${ids.clientId} ${ids.created ? 'created' : 'exists'}, data in ${path.relative(ROOT, dir) || dir}`,
  );

  return {
    stop: () => cognito.stop(),
    /** Once the offline Lambda endpoint listens (the trigger needs it). */
    async ready() {
      if (process.env.LOCAL_SEED !== 'false') {
        const { demoUsers } = loadTs('../seeds/demo-data.ts');
        const users = Object.values(/** @type {Record<string, any>} */ (demoUsers));
        const signUps = await signUpUsers({ endpoint: cognito.endpoint, ...ids, users });
        log.notice(
          `Cognito (local): demo users ${signUps.created.length} signed up, ${signUps.existing.length} existed — ${users.map((u) => u.email).join(', ')}`,
        );
      }
      const { syncCognitoUsers } = loadTs('../domain/cognito-users.ts');
      const sync = await syncCognitoUsers(ids.userPoolId);
      if (sync.linked + sync.created > 0 || sync.skipped.length > 0) {
        log.notice(`Cognito (local): profiles ${sync.linked} linked, ${sync.created} created, ${sync.skipped.length} skipped`);
      }
      const httpPort = Number(options.httpPort ?? offline.httpPort ?? 3000);
      const websocketPort = Number(options.websocketPort ?? offline.websocketPort ?? 3001);
      const webConfig = {
        region: service.provider.region,
        userPoolId: ids.userPoolId,
        userPoolClientId: ids.clientId,
        userPoolEndpoint: cognito.endpoint,
        apiUrl: `http://${lambdaHost}:${httpPort}`,
        websocketUrl: `ws://${lambdaHost}:${websocketPort}`,
        webOrigins: corsOrigins,
      };
      const file = path.resolve(ROOT, process.env.WEB_CONFIG_FILE ?? '.local/web-config.json');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, `${JSON.stringify(webConfig, null, 2)}\n`);
      log.notice(
        [
          `Web client settings (README "Use your web client with the local stack"), also in ${file.startsWith(`${ROOT}${path.sep}`) ? path.relative(ROOT, file) : file}:`,
          `  region             ${webConfig.region}`,
          `  user pool id       ${webConfig.userPoolId}`,
          `  client id          ${webConfig.userPoolClientId}`,
          `  Cognito endpoint   ${webConfig.userPoolEndpoint}`,
          `  API URL            ${webConfig.apiUrl}`,
          `  WebSocket URL      ${webConfig.websocketUrl}`,
          `  CORS origin(s)     ${corsOrigins.join(', ') || 'none'} (WEB_ORIGIN)`,
        ].join('\n'),
      );
    },
  };
}

module.exports = { startLocalCognito };
