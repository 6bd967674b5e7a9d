import { seed } from '../../seeds/seed';

/** `sls invoke [local] -f seed`: creates the demo users and conversations if missing. */
export async function handler() {
  const summary = await seed();
  console.log(JSON.stringify(summary));
  return summary;
}
