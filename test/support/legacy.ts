/**
 * The original Cruddur backend's items and queries, reconstructed from its source
 * (omenking/aws-bootcamp-cruddur-2023) and re-issued with the AWS SDK's low-level client,
 * i.e. the same requests boto3's `client('dynamodb')` sends: AttributeValue maps, the same
 * key conditions and flags. Our own code is not used to build any of it.
 *
 * - `backend-flask/lib/ddb.py` `create_message`: one PutItem, pk `MSG#<group>`, sk
 *   `datetime.now(timezone.utc).astimezone().isoformat()`, attributes `message`,
 *   `message_uuid`, `user_uuid`, `user_display_name`, `user_handle` (the sender).
 * - `backend-flask/lib/ddb.py` `create_message_group`: one BatchWriteItem of two rows
 *   `GRP#<owner>` / now (`message_group_uuid`, `message`, and the *other* member's
 *   `user_uuid`, `user_display_name`, `user_handle`) and the first message at the same now.
 *   No membership or pair items: the original had none.
 * - `backend-flask/bin/ddb/seed`: the same row and message shapes, rows at `now`, messages at
 *   `now - 1 day + i minutes` (`now = datetime.now(timezone.utc).astimezone()`).
 * - `aws/lambdas/cruddur-messaging-stream.py`: moves rows to the message's sk as written.
 * - `backend-flask/lib/ddb.py` `list_messages` / `list_message_groups` and
 *   `bin/ddb/patterns/get-conversation` / `list-conversations`: Query `pk = :pk AND
 *   begins_with(sk,:year)`, ScanIndexForward false, Limit 20; messages reversed for display.
 * - Users live in the original's Postgres (`backend-flask/db/schema.sql`, `db/seed.sql`:
 *   uuid, display_name, handle, email, cognito_user_id), not in DynamoDB; a switching team
 *   carries them over as profiles with the same uuid, which `legacyUser` does.
 */
import { randomUUID } from 'node:crypto';
import {
  BatchWriteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { dynamoConfig } from '../../domain/config';
import type { UserProfile } from '../../domain/types';
import { createUserProfile } from '../../domain/users';
import { uniqueHandle } from './fixtures';

type LegacyItem = Record<string, AttributeValue>;

let client: DynamoDBClient | undefined;
/** A plain low-level client, like boto3's `client('dynamodb')`. */
function boto3(): DynamoDBClient {
  const { endpoint, region } = dynamoConfig();
  client ??= new DynamoDBClient({ endpoint, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  return client;
}

/**
 * Python's `datetime.isoformat()` of an aware UTC datetime: six fraction digits and
 * `+00:00`, and no fraction at all when the microsecond is 0.
 */
export function pythonIsoformat(micros: number): string {
  const seconds = new Date(Math.floor(micros / 1_000_000) * 1000).toISOString().slice(0, 19);
  const microsecond = micros % 1_000_000;
  return microsecond === 0 ? `${seconds}+00:00` : `${seconds}.${String(microsecond).padStart(6, '0')}+00:00`;
}

/** A user as the original's Postgres holds one (db/seed.sql), carried over as our profile. */
export async function legacyUser(display_name: string): Promise<UserProfile> {
  return createUserProfile({
    uuid: randomUUID(),
    display_name,
    handle: uniqueHandle('legacy'),
    email: `${randomUUID()}@exampro.co`,
  });
}

type Person = Pick<UserProfile, 'uuid' | 'display_name' | 'handle'>;

export function legacyMessageItem(groupUuid: string, createdAt: string, message: string, sender: Person): LegacyItem {
  return {
    pk: { S: `MSG#${groupUuid}` },
    sk: { S: createdAt },
    message: { S: message },
    message_uuid: { S: randomUUID() },
    user_uuid: { S: sender.uuid },
    user_display_name: { S: sender.display_name },
    user_handle: { S: sender.handle },
  };
}

export function legacyRowItem(
  owner: Person,
  other: Person,
  groupUuid: string,
  lastMessageAt: string,
  message: string,
): LegacyItem {
  return {
    pk: { S: `GRP#${owner.uuid}` },
    sk: { S: lastMessageAt },
    message_group_uuid: { S: groupUuid },
    message: { S: message },
    user_uuid: { S: other.uuid },
    user_display_name: { S: other.display_name },
    user_handle: { S: other.handle },
  };
}

/** ddb.py `create_message` (put_item, no condition); `createdAt` is what `isoformat()` gave. */
export async function legacyCreateMessage(
  groupUuid: string,
  message: string,
  sender: Person,
  createdAt: string,
): Promise<LegacyItem> {
  const Item = legacyMessageItem(groupUuid, createdAt, message, sender);
  await boto3().send(new PutItemCommand({ TableName: dynamoConfig().tableName, Item }));
  return Item;
}

/** ddb.py `create_message_group`: both rows and the first message in one batch_write_item. */
export async function legacyCreateMessageGroup(me: Person, other: Person, message: string, now: string): Promise<string> {
  const group = randomUUID();
  await boto3().send(
    new BatchWriteItemCommand({
      RequestItems: {
        [dynamoConfig().tableName]: [
          { PutRequest: { Item: legacyRowItem(me, other, group, now, message) } },
          { PutRequest: { Item: legacyRowItem(other, me, group, now, message) } },
          { PutRequest: { Item: legacyMessageItem(group, now, message, me) } },
        ],
      },
    }),
  );
  return group;
}

/** Any item written as-is, e.g. a row the original's seed put (`create_message_group` there is one put_item per row). */
export async function legacyPut(Item: LegacyItem): Promise<void> {
  await boto3().send(new PutItemCommand({ TableName: dynamoConfig().tableName, Item }));
}

async function legacyQuery(pk: string, year: string): Promise<LegacyItem[]> {
  const { Items } = await boto3().send(
    new QueryCommand({
      TableName: dynamoConfig().tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk,:year)',
      ScanIndexForward: false,
      Limit: 20,
      ExpressionAttributeValues: { ':year': { S: year }, ':pk': { S: pk } },
    }),
  );
  return Items ?? [];
}

const text = (item: LegacyItem, name: string): string => {
  const value = item[name]?.S;
  // boto3 code indexes item['x']['S']: a missing attribute is a KeyError there.
  if (value === undefined) throw new Error(`KeyError: '${name}'`);
  return value;
};

/** ddb.py `list_messages`: the newest 20 of `year`, returned oldest first. */
export async function legacyListMessages(groupUuid: string, year: string) {
  const items = await legacyQuery(`MSG#${groupUuid}`, year);
  return items.reverse().map((item) => ({
    uuid: text(item, 'message_uuid'),
    display_name: text(item, 'user_display_name'),
    handle: text(item, 'user_handle'),
    message: text(item, 'message'),
    created_at: text(item, 'sk'),
  }));
}

/** ddb.py `list_message_groups`: my rows of `year`, newest first. */
export async function legacyListMessageGroups(userUuid: string, year: string) {
  const items = await legacyQuery(`GRP#${userUuid}`, year);
  return items.map((item) => ({
    uuid: text(item, 'message_group_uuid'),
    display_name: text(item, 'user_display_name'),
    handle: text(item, 'user_handle'),
    message: text(item, 'message'),
    created_at: text(item, 'sk'),
  }));
}

/**
 * `bin/ddb/patterns/get-conversation` prints each stamp through
 * `strptime(timestamp, '%Y-%m-%dT%H:%M:%S.%f%z')`: it needs a fraction and accepts `Z`
 * or `+00:00` (Python 3.7+). True when that parse would succeed.
 */
export function legacyScriptParses(timestamp: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{1,6}(Z|[+-]\d{2}:?\d{2})$/.test(timestamp);
}
