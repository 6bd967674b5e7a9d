/**
 * Who is in which conversation. Membership items (`GROUP#<group>` / `MEMBER#<user>`) have
 * stable keys, so the check is one strongly consistent GetItem, unlike the conversation
 * rows whose sort key moves with every message.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from './dynamodb';
import { NotFoundError } from './errors';
import { keys } from './keys';

export async function isMember(groupUuid: string, userUuid: string): Promise<boolean> {
  const { Item } = await db().send(
    new GetCommand({
      TableName: tableName(),
      Key: keys.membership(groupUuid, userUuid),
      ConsistentRead: true,
      ProjectionExpression: 'pk',
    }),
  );
  return Item !== undefined;
}

export function conversationNotFound(): NotFoundError {
  return new NotFoundError('conversation not found');
}

export async function requireMember(groupUuid: string, userUuid: string): Promise<void> {
  if (!(await isMember(groupUuid, userUuid))) throw conversationNotFound();
}

/** The conversation between two users, if they have one. One GetItem. */
export async function findMessageGroupBetween(userA: string, userB: string): Promise<string | undefined> {
  const { Item } = await db().send(
    new GetCommand({ TableName: tableName(), Key: keys.pair(userA, userB), ConsistentRead: true }),
  );
  return typeof Item?.group_uuid === 'string' ? Item.group_uuid : undefined;
}

/**
 * Every member of a conversation, from a strongly consistent Query of its membership items
 * (`pk = GROUP#<group>`): the same items `requireMember` reads, so an event reaches exactly
 * whom a GET would answer. One Query per 1 MB page (one for any real conversation).
 */
export async function listMembers(groupUuid: string): Promise<string[]> {
  const members: string[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await db().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.membershipPartition(groupUuid) },
        ConsistentRead: true,
        ProjectionExpression: 'user_uuid',
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of page.Items ?? []) if (typeof item.user_uuid === 'string') members.push(item.user_uuid);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return members;
}
