// @ts-check
/**
 * Warm calls of one packaged handler, in a fresh `node` process, with every DynamoDB request
 * counted on the wire: the bundle's client talks to the engine through a relay here, which
 * notes when each request arrived and when its answer was sent. Per call: requests, and
 * sequential round trips — the longest chain of requests each sent only after the previous
 * one was answered (requests in flight together count once). Counted, not timed.
 *   node warm-calls-child.js <bundle.js> <export> <events.json>   (a JSON array of events)
 */

const http = require('node:http');
const fs = require('node:fs');
const { performance } = require('node:perf_hooks');

/** @typedef {{ op: string, sent: number, answered: number }} Request */

/** @param {string} target */
function startRelay(target) {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  /** @type {Request[]} */
  let requests = [];
  const server = http.createServer((req, res) => {
    const sent = performance.now();
    const op = String(req.headers['x-amz-target'] ?? '').replace(/^DynamoDB_\d+\./, '');
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        res.on('finish', () => requests.push({ op, sent, answered: performance.now() }));
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = /** @type {import('node:net').AddressInfo} */ (server.address());
      resolve({
        endpoint: `http://127.0.0.1:${address.port}`,
        take() {
          const taken = requests;
          requests = [];
          return taken;
        },
      });
    });
  });
}

/** The longest chain q1 → q2 → … where each request was sent after the previous one was answered. */
function sequentialRoundTrips(/** @type {Request[]} */ requests) {
  const sorted = [...requests].sort((a, b) => a.sent - b.sent);
  /** @type {number[]} */
  const depth = [];
  sorted.forEach((request, i) => {
    let before = 0;
    for (let j = 0; j < i; j++) {
      const earlier = /** @type {Request} */ (sorted[j]);
      if (earlier.answered <= request.sent) before = Math.max(before, /** @type {number} */ (depth[j]));
    }
    depth.push(before + 1);
  });
  return depth.length === 0 ? 0 : Math.max(...depth);
}

async function main() {
  const [bundle, exportName, eventsFile] = process.argv.slice(2);
  const events = JSON.parse(fs.readFileSync(/** @type {string} */ (eventsFile), 'utf8'));
  const relay = /** @type {{ endpoint: string, take(): Request[] }} */ (
    await startRelay(/** @type {string} */ (process.env.DYNAMODB_ENDPOINT))
  );
  process.env.DYNAMODB_ENDPOINT = relay.endpoint;
  const mod = require(/** @type {string} */ (bundle));
  const context = { functionName: 'bench', awsRequestId: 'bench-warm', getRemainingTimeInMillis: () => 10000 };
  const calls = [];
  for (const event of events) {
    relay.take();
    const started = performance.now();
    const result = await mod[/** @type {string} */ (exportName)](event, context);
    const ms = performance.now() - started;
    const requests = relay.take();
    calls.push({
      status: result?.statusCode,
      ms,
      requests: requests.length,
      round_trips: sequentialRoundTrips(requests),
      ops: requests.map((r) => r.op).join('+'),
    });
  }
  process.stdout.write(`\nBENCH_RESULT ${JSON.stringify({ calls })}\n`);
}

// Exit only once stdout is flushed: a handler that logs a lot (scan) would otherwise lose the
// result line still queued on the pipe.
main().then(
  () => process.stdout.write('', () => process.exit(0)),
  (error) => {
    process.stdout.write(`\nBENCH_ERROR ${String(error?.stack ? error.stack : error)}\n`);
    process.exit(1);
  },
);
