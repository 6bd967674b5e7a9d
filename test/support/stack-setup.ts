/** Jest global setup for the full-stack projects: one offline stack per project run. */
import { exportStackEnv, startStack } from './stack';

export default async function stackSetup(): Promise<void> {
  // Seeded, as `npm start` runs it: the README walkthrough test uses the demo data.
  const stack = await startStack({ seed: true });
  exportStackEnv(stack);
  (globalThis as { __STACK__?: { stop(): Promise<void> } }).__STACK__ = stack;
  if (process.env.STACK_TIMING) console.log(`\nlocal stack ready in ${stack.startupMs} ms (log: ${stack.logFile})`);
}
