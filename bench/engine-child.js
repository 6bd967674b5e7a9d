// @ts-check
/**
 * A DynamoDB server in its own process for the engine benches (bench/engine.ts,
 * bench/engine-growth.ts): `engine` (our local engine) or `dynalite` (plain dynalite 4.0.0),
 * in memory. Sends `{ endpoint }` over IPC once listening; answers `{ usage: true }` with the CPU
 * time and the garbage collector's pause time it has used so far, `{ mem: true }` with its memory
 * (after a full GC when run with --expose-gc) and `{ stop: true }` by closing and exiting.
 */
const { PerformanceObserver, constants } = require('node:perf_hooks');

const kind = process.argv[2];

/** Milliseconds the main thread has spent paused in garbage collection (every kind), and full (mark-compact) collections. */
let gcMs = 0;
let majorGcs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gcMs += entry.duration;
    if (/** @type {any} */ (entry).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majorGcs++;
  }
}).observe({ entryTypes: ['gc'] });

async function main() {
  /** @type {{ endpoint: string, stop: () => Promise<void> }} */
  let server;
  if (kind === 'engine') {
    const { start } = require(process.env.ENGINE_DIR || '../local/dynamodb');
    server = await start({ port: 0 });
  } else if (kind === 'dynalite') {
    // dynalite ships no types: loaded through a variable id, as `any`
    const id = 'dynalite';
    /** @type {any} */
    const dynalite = require(id);
    const s = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
    server = {
      endpoint: `http://127.0.0.1:${s.address().port}`,
      stop: () => new Promise((resolve) => s.close(() => resolve(undefined))),
    };
  } else throw new Error(`unknown server kind: ${kind}`);
  const cpu0 = process.cpuUsage();
  const cpuMs = () => {
    const c = process.cpuUsage(cpu0);
    return (c.user + c.system) / 1000;
  };
  process.on('message', async (/** @type {any} */ msg) => {
    if (msg?.usage) {
      process.send?.({ usage: { cpuMs: cpuMs(), gcMs, majorGcs } });
    } else if (msg?.mem) {
      const g = /** @type {any} */ (globalThis).gc;
      if (typeof g === 'function') g();
      const m = process.memoryUsage();
      process.send?.({
        mem: { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers },
        cpuMs: cpuMs(),
      });
    } else if (msg?.stop) {
      await server.stop();
      process.exit(0);
    }
  });
  process.send?.({ endpoint: server.endpoint });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
