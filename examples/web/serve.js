// @ts-check
/**
 * Serves the example web client (index.html + app.js bundled by esbuild with aws-amplify v6)
 * and the local stack's web settings as /web-config.json, on the dev web origin:
 *
 *   npm start                 # in one terminal: the local stack (writes .local/web-config.json)
 *   npm run web               # in another: http://localhost:5173 (PORT=…, WEB_CONFIG_FILE=…)
 *
 * The page's origin must be the one the stack answers CORS for (WEB_ORIGIN, default
 * http://localhost:5173). `serveExample()` is what the browser test (test/browser) runs.
 */
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');

/** The page's script: app.js and aws-amplify in one ES module, built once per server. */
async function bundle() {
  const esbuild = require('esbuild');
  const result = await esbuild.build({
    entryPoints: [path.join(__dirname, 'app.js')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  return /** @type {import('esbuild').OutputFile} */ (result.outputFiles[0]).contents;
}

/**
 * @param {{ port?: number, host?: string, webConfigFile?: string }} [options]
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
async function serveExample({
  port = 5173,
  host = '127.0.0.1',
  webConfigFile = path.join(ROOT, '.local', 'web-config.json'),
} = {}) {
  const script = await bundle();
  const page = fs.readFileSync(path.join(__dirname, 'index.html'));
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    /** @param {number} status @param {string} type @param {string | Uint8Array} body */
    const send = (status, type, body) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (req.method !== 'GET') return send(405, 'text/plain', 'GET only');
    if (url.pathname === '/' || url.pathname === '/index.html') return send(200, 'text/html; charset=utf-8', page);
    if (url.pathname === '/app.js') return send(200, 'text/javascript; charset=utf-8', script);
    if (url.pathname === '/web-config.json') {
      if (!fs.existsSync(webConfigFile))
        return send(503, 'text/plain', `${webConfigFile} does not exist yet: start the local stack (npm start)`);
      return send(200, 'application/json', fs.readFileSync(webConfigFile));
    }
    return send(404, 'text/plain', 'Not Found');
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(undefined));
  });
  return {
    url: `http://localhost:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

if (require.main === module) {
  const port = Number(process.env.PORT ?? 5173);
  const webConfigFile = path.resolve(ROOT, process.env.WEB_CONFIG_FILE ?? '.local/web-config.json');
  serveExample({ port, webConfigFile }).then(
    ({ url }) =>
      console.log(`Example web client on ${url} (settings from ${path.relative(ROOT, webConfigFile)}); Ctrl-C stops it`),
    (error) => {
      console.error(
        error.code === 'EADDRINUSE' ? `Port ${port} is in use: set PORT (and WEB_ORIGIN on npm start to match)` : error,
      );
      process.exit(1);
    },
  );
}

module.exports = { serveExample };
