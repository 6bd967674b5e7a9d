/**
 * Fast, deterministic bench data: items built with the domain's own key and item builders,
 * written with BatchWriteItem straight to the engine (25 items a request, several requests
 * in flight), never through the domain's one-at-a-time write paths.
 */
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../../domain/dynamodb';
import { conversationItem, messageItem } from '../../domain/items';
import { keys } from '../../domain/keys';
import { formatMicros } from '../../domain/time';
import type { UserProfile } from '../../domain/types';
import type { Generator } from './random';

type Item = Record<string, unknown>;

const BATCH = 25;
const IN_FLIGHT = 8;

export async function writeItems(items: Item[]): Promise<void> {
  const batches: Item[][] = [];
  for (let i = 0; i < items.length; i += BATCH) batches.push(items.slice(i, i + BATCH));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      let pending: Item[] = batches[next++] as Item[];
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 10) throw new Error('BatchWriteItem kept returning unprocessed items');
        const { UnprocessedItems } = await db().send(
          new BatchWriteCommand({ RequestItems: { [tableName()]: pending.map((Item) => ({ PutRequest: { Item } })) } }),
        );
        pending = (UnprocessedItems?.[tableName()] ?? []).map((r) => r.PutRequest?.Item as Item);
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

export function newProfile(gen: Generator, label: string): UserProfile {
  const uuid = gen.uuid();
  return { uuid, handle: `${label}_${uuid.slice(0, 8)}`, display_name: `Bench ${label}`, email: `${uuid}@example.com` };
}

/** The items createUserProfile would write (profile + handle), without a Cognito sub. */
export function profileItems(profile: UserProfile): Item[] {
  return [
    { ...keys.userProfile(profile.uuid), ...profile },
    { ...keys.userHandle(profile.handle), ...profile },
  ];
}

/** The items createMessageGroup writes for a conversation, its rows at `lastAt`. */
export function conversationItems(a: UserProfile, b: UserProfile, group: string, text: string, lastAt: string): Item[] {
  return [
    { ...keys.pair(a.uuid, b.uuid), group_uuid: group, created_at: lastAt },
    { ...keys.membership(group, a.uuid), user_uuid: a.uuid },
    { ...keys.membership(group, b.uuid), user_uuid: b.uuid },
    { ...conversationItem(a.uuid, b, group, text, lastAt) },
    { ...conversationItem(b.uuid, a, group, text, lastAt) },
  ];
}

/** `count` messages in `group`, alternating senders, one second apart ending at `endMicros`. */
export function messageItems(gen: Generator, group: string, senders: UserProfile[], count: number, endMicros: number): Item[] {
  return Array.from({ length: count }, (_, i) => {
    const sender = senders[i % senders.length] as UserProfile;
    return {
      ...messageItem({
        message_group_uuid: group,
        message_uuid: gen.uuid(),
        message: gen.text(3, 20),
        created_at: formatMicros(endMicros - (count - 1 - i) * 1_000_000),
        user_uuid: sender.uuid,
        user_handle: sender.handle,
        user_display_name: sender.display_name,
      }),
    };
  });
}

/** A timestamp well in the past, so seeded data is always older than anything written live. */
export function pastMicros(daysAgo: number): number {
  return (Date.now() - daysAgo * 86_400_000) * 1000;
}
