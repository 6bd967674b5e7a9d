export default async function engineTeardown(): Promise<void> {
  await (globalThis as { __ENGINE__?: { stop(): Promise<void> } }).__ENGINE__?.stop();
}
