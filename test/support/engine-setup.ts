/**
 * Jest global setup for the domain-level projects: one local engine (free port, in memory)
 * and the table created from resources/table.yml — the same definition serverless.yml deploys.
 * Workers inherit TABLE_NAME and DYNAMODB_ENDPOINT, which domain/config.ts reads.
 */
import { start } from '../../local/dynamodb';
import { migrate } from '../../local/migrate';
import { LOCAL_AWS_ENV } from '../../local/aws-env';

export const TEST_TABLE = 'cruddur-messaging-test';

export default async function engineSetup(): Promise<void> {
  const engine = await start({ port: 0 });
  await migrate({ endpoint: engine.endpoint, tableName: TEST_TABLE });
  process.env.TABLE_NAME = TEST_TABLE;
  process.env.DYNAMODB_ENDPOINT = engine.endpoint;
  Object.assign(process.env, LOCAL_AWS_ENV);
  (globalThis as { __ENGINE__?: { stop(): Promise<void> } }).__ENGINE__ = engine;
}
