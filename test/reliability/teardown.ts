/** Stops the stack and the engine, then prints the figures every test file recorded. */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { stopEngineProcess } from './engine';
import { summarize } from './figures';

export default async function reliabilityTeardown(): Promise<void> {
  await (globalThis as { __STACK__?: { stop(): Promise<void> } }).__STACK__?.stop();
  const stateFile = process.env.RELIABILITY_ENGINE_STATE;
  if (stateFile && existsSync(stateFile)) await stopEngineProcess(stateFile);
  const figuresFile = process.env.RELIABILITY_FIGURES;
  const lines = figuresFile && existsSync(figuresFile) ? readFileSync(figuresFile, 'utf8') : '';
  const { text, violations } = summarize(lines);
  console.log(`\n${text}\n`);
  if (process.env.RELIABILITY_DIR && !process.env.KEEP_STACK_LOG)
    rmSync(process.env.RELIABILITY_DIR, { recursive: true, force: true });
  if (violations.length > 0) throw new Error(`reliability violations: ${violations.join('; ')}`);
}
