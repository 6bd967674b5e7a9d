/** Fresh fixtures per test: random handles and ids, so test files can share one table. */
import { randomUUID } from 'node:crypto';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { resetConfigForTests } from '../../domain/config';
import { db, resetDynamoClientForTests, tableName } from '../../domain/dynamodb';
import type { Key } from '../../domain/keys';
import type { UserProfile } from '../../domain/types';
import { createUserProfile } from '../../domain/users';
import { migrate } from '../../local/migrate';

export function uniqueHandle(prefix = 'u'): string {
  return `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
}

export async function newUser(name = 'Test User'): Promise<UserProfile> {
  return createUserProfile({ handle: uniqueHandle(), display_name: name, email: `${randomUUID()}@example.com` });
}

export async function getItem(key: Key): Promise<Record<string, unknown> | undefined> {
  const { Item } = await db().send(new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: true }));
  return Item;
}

/** Every item of one partition, in sort-key order. */
export async function partition(pk: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await db().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ConsistentRead: true,
        ExclusiveStartKey,
      }),
    );
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

/**
 * Gives the calling test file a table of its own (same definition) for tests that need
 * whole-table facts, such as the seed's idempotency, without racing other files.
 */
export function useIsolatedTable(): void {
  const shared = process.env.TABLE_NAME;
  beforeAll(async () => {
    const tableName = `isolated-${randomUUID()}`;
    await migrate({ endpoint: process.env.DYNAMODB_ENDPOINT!, tableName });
    switchTable(tableName);
  });
  afterAll(() => switchTable(shared!));
}

function switchTable(name: string): void {
  process.env.TABLE_NAME = name;
  resetConfigForTests();
  resetDynamoClientForTests();
}
