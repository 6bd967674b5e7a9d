// @ts-check
/**
 * One cold start, in a fresh `node` process: load a packaged handler bundle, serve one
 * invocation, report timings (ms since this process started) and peak RSS on one stdout line.
 *   node cold-start-child.js <bundle.js> <export> <event.json>
 */
'use strict';
const { performance } = require('node:perf_hooks');
const fs = require('node:fs');

async function main() {
  const [bundle, exportName, eventFile] = process.argv.slice(2);
  const event = JSON.parse(fs.readFileSync(/** @type {string} */ (eventFile), 'utf8'));
  const beforeLoad = performance.now();
  const mod = require(/** @type {string} */ (bundle));
  const loaded = performance.now();
  const context = { functionName: 'bench', awsRequestId: 'bench-cold-start', getRemainingTimeInMillis: () => 10000 };
  const result = await mod[/** @type {string} */ (exportName)](event, context);
  const served = performance.now();
  const status = result && typeof result === 'object' && 'statusCode' in result ? result.statusCode : undefined;
  process.stdout.write(
    `\nBENCH_RESULT ${JSON.stringify({
      boot_ms: beforeLoad,
      load_ms: loaded - beforeLoad,
      first_call_ms: served - loaded,
      total_ms: served,
      peak_rss_mb: process.resourceUsage().maxRSS / 1024,
      status,
      failures: result && Array.isArray(result.batchItemFailures) ? result.batchItemFailures.length : undefined,
    })}\n`,
  );
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stdout.write(`\nBENCH_ERROR ${String(error && error.stack ? error.stack : error)}\n`);
    process.exit(1);
  },
);
