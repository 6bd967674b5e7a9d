// @ts-check
/**
 * Where serverless-offline (14.x) answers differently from API Gateway HTTP APIs, fixed on its
 * hapi servers (the API, and the Lambda invoke port) from the outside, at start-up:
 *
 * 1. CORS. serverless-offline copies any request's Origin into Access-Control-Allow-Origin on
 *    every non-preflight answer, and its catch-all route allows every origin, whatever
 *    `provider.httpApi.cors.allowedOrigins` says. API Gateway sends CORS headers to the allowed
 *    origins only; so here an answer to any other origin (or to a request without one) carries
 *    no Access-Control-* header.
 *    Offline, the allowed origin is the dev web origin (serverless.yml `corsOrigin`, WEB_ORIGIN).
 * 2. Unmatched routes. serverless-offline answers 404 with its own body (an error text and the
 *    list of every route); API Gateway HTTP APIs answer 404 `{"message":"Not Found"}`, for an
 *    unknown path and for a known path with another method alike.
 *
 * 3. Browser origins on the Lambda invoke port. It runs any function for any caller; a page open
 *    in the developer's browser could POST to it (a preflight-free text/plain request) and run
 *    `scan`. Requests that carry an Origin not on the allow-list are refused with 403 before
 *    routing. (cognito-local and our tools invoke from Node, without an Origin.)
 * 4. Two Authorization headers. API Gateway joins repeated headers with commas, so the JWT
 *    authorizer refuses them (401 `{"message":"Unauthorized"}`); serverless-offline's authorizer
 *    read the first while the handler got the last. Refused here the same way, before routing.
 *
 * 5. Response compression. hapi gzips or deflates every answer the client accepts so; API
 *    Gateway's HTTP APIs have no compression at all, so a client that worked offline could
 *    depend on something AWS never does. It also cost the offline server's one thread about
 *    0.3 ms of CPU per 10 KB answer (bench/profile-http-path.ts). Turned off per server.
 *
 * Hapi is patched where serverless-offline loads it: its Server's `start` registers one
 * onRequest and one onPreResponse extension, after serverless-offline's own (hapi runs them in
 * order). Fails loudly if those internals are not where they were.
 */
const { createRequire } = require('node:module');

const PATCHED = Symbol.for('cruddur.offlineHttpPatched');
const EXTENDED = Symbol.for('cruddur.offlineHttpExtended');
/** The allowed origins of this process (the last patch call's). */
let origins = /** @type {string[]} */ ([]);
/** serverless-offline's catch-all route, and the error text of its 404 body. */
const CATCH_ALL_PATH = '/{p*}';
const OFFLINE_NOT_FOUND = 'Serverless-offline: route not found.';

/**
 * @param {{ allowedOrigins: string[] }} options
 */
function patchOfflineHttp({ allowedOrigins }) {
  const fromOffline = createRequire(require.resolve('serverless-offline'));
  const { Server } = fromOffline('@hapi/hapi');
  const proto = Object.getPrototypeOf(new Server());
  if (typeof proto.start !== 'function' || typeof proto.ext !== 'function') {
    throw new Error(
      'local/offline-http.js: @hapi/hapi Server.start/ext are not where they were; check the serverless-offline upgrade',
    );
  }
  origins = allowedOrigins;
  if (proto[PATCHED]) return;
  proto[PATCHED] = true;
  const start = proto.start;
  proto.start = async function patchedStart(/** @type {unknown[]} */ ...args) {
    if (!this[EXTENDED]) {
      this[EXTENDED] = true;
      if (!this._core?.settings || !('compression' in this._core.settings)) {
        throw new Error('local/offline-http.js: hapi core settings.compression is not where it was; check the upgrade');
      }
      this._core.settings.compression = false;
      this.ext('onRequest', (/** @type {any} */ request, /** @type {any} */ h) => onRequest(request, h, origins));
      this.ext('onPreResponse', (/** @type {any} */ request, /** @type {any} */ h) => onPreResponse(request, h, origins));
    }
    return start.apply(this, args);
  };
}

const INVOKE_PATH = /^\/2015-03-31\/functions\//;

/**
 * @param {any} request hapi request
 * @param {any} h hapi toolkit
 * @param {string[]} allowedOrigins
 */
function onRequest(request, h, allowedOrigins) {
  const origin = request.headers.origin;
  if (INVOKE_PATH.test(request.path) && origin !== undefined && !allowedOrigins.includes(String(origin))) {
    return h
      .response({ message: 'Forbidden: the Lambda invoke port refuses browser origins' })
      .code(403)
      .type('application/json')
      .takeover();
  }
  /** @type {string[]} */
  const raw = request.raw?.req?.rawHeaders ?? [];
  const authorizations = raw.filter((_value, i) => i % 2 === 0 && String(raw[i]).toLowerCase() === 'authorization').length;
  if (authorizations > 1) return h.response({ message: 'Unauthorized' }).code(401).type('application/json').takeover();
  return h.continue;
}

/**
 * @param {any} request hapi request
 * @param {any} h hapi toolkit
 * @param {string[]} allowedOrigins
 */
function onPreResponse(request, h, allowedOrigins) {
  const origin = request.headers.origin;
  const allowed = typeof origin === 'string' && (allowedOrigins.includes('*') || allowedOrigins.includes(origin));
  let response = request.response;
  if (request.route?.path === CATCH_ALL_PATH && !response.isBoom && response.source?.error === OFFLINE_NOT_FOUND) {
    response = h.response({ message: 'Not Found' }).code(404).type('application/json');
    if (allowed) response.header('access-control-allow-origin', origin).header('vary', 'Origin');
  }
  if (!allowed) {
    const headers = response.isBoom ? response.output.headers : response.headers;
    for (const name of Object.keys(headers)) if (/^access-control-/i.test(name)) delete headers[name];
    // hapi adds the route's own CORS headers when it sends the answer, if this says the origin matched.
    request.info.cors = { isOriginMatch: false };
  }
  return response === request.response ? h.continue : response;
}

module.exports = { patchOfflineHttp };
