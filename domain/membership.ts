/**
 * Who is in which conversation. Membership items (`GROUP#<group>` / `MEMBER#<user>`) have
 * stable keys, so the check is one strongly consistent GetItem, unlike the conversation
 * rows whose sort key moves with every message.
 */
import { NotFoundError } from './errors';
import { keys } from './keys';
import { getItem } from './table';

export async function isMember(groupUuid: string, userUuid: string): Promise<boolean> {
  return (await getItem(keys.membership(groupUuid, userUuid), { consistent: true, projection: 'pk' })) !== undefined;
}

export function conversationNotFound(): NotFoundError {
  return new NotFoundError('conversation not found');
}

export async function requireMember(groupUuid: string, userUuid: string): Promise<void> {
  if (!(await isMember(groupUuid, userUuid))) throw conversationNotFound();
}

/** The conversation between two users, if they have one. One GetItem. */
export async function findMessageGroupBetween(userA: string, userB: string): Promise<string | undefined> {
  const pair = await getItem(keys.pair(userA, userB), { consistent: true });
  return typeof pair?.group_uuid === 'string' ? pair.group_uuid : undefined;
}
