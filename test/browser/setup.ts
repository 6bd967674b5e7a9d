/**
 * Global setup of `npm run test:browser`: a seeded offline stack (as `npm start` runs it)
 * whose CORS origin is the port the example page will be served on.
 */
import { exportStackEnv, startStack } from '../support/stack';
import { freePort } from '../support/ports';

export default async function browserSetup(): Promise<void> {
  const pagePort = await freePort();
  const stack = await startStack({ seed: true, webOrigin: `http://localhost:${pagePort}` });
  exportStackEnv(stack);
  process.env.STACK_PAGE_PORT = String(pagePort);
  (globalThis as { __STACK__?: { stop(): Promise<void> } }).__STACK__ = stack;
  console.log(`\nlocal stack ready in ${stack.startupMs} ms (log: ${stack.logFile})`);
}
