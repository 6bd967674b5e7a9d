/**
 * `sls invoke [local] -f syncCognitoUsers`: links or creates the profile of every confirmed
 * user of the pool (domain/cognito-users.ts) and prints what it did.
 */
import { syncCognitoUsers, type SyncSummary } from '../../domain/cognito-users';

export async function handler(): Promise<SyncSummary> {
  const summary = await syncCognitoUsers();
  console.log(
    `Cognito users: ${summary.users} — ${summary.existing} already linked, ${summary.linked} linked, ` +
      `${summary.created} profiles created, ${summary.skipped.length} skipped`,
  );
  for (const { username, reason } of summary.skipped) console.log(`  skipped ${username}: ${reason}`);
  return summary;
}
