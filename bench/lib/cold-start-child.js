// @ts-check
/**
 * One cold start, in a fresh `node` process: load a packaged handler bundle, serve one
 * invocation, report timings (ms since this process started) and peak RSS on one stdout line.
 *   node cold-start-child.js <bundle.js> <export> <event.json>
 */

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
      peak_rss_mb: peakRssMb(),
      status,
      failures: result && Array.isArray(result.batchItemFailures) ? result.batchItemFailures.length : undefined,
    })}\n`,
  );
}

/**
 * This process's own peak resident set. Not `resourceUsage().maxRSS`: on Linux, ru_maxrss
 * survives execve, so a child spawned by a big parent would report the parent's size.
 */
function peakRssMb() {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) / 1024;
  } catch {
    /* not Linux */
  }
  return process.resourceUsage().maxRSS / 1024;
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
