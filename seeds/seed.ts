/**
 * Idempotent demo seed: creates the demo users and conversations that are missing and
 * leaves existing ones alone, so running it twice leaves the same data.
 *
 * A conversation is complete once its pair item exists, and the pair item is written last
 * (with the memberships and rows, in one transaction); a run interrupted before that is
 * cleaned up and redone by the next run.
 */
import { conversationStart } from '../domain/create-message-group';
import { ConflictError } from '../domain/errors';
import { messageItem } from '../domain/items';
import { keys } from '../domain/keys';
import { findMessageGroupBetween } from '../domain/membership';
import { batchWrite, queryAll, TransactionCancelledError, transactWrite } from '../domain/table';
import { formatMicros } from '../domain/time';
import type { Message } from '../domain/types';
import { createUserProfile, findUserByUuid } from '../domain/users';
import { demoConversations, demoUsers, type DemoConversation, type DemoUser } from './demo-data';

export interface SeedSummary {
  usersCreated: number;
  usersExisting: number;
  conversationsCreated: number;
  conversationsExisting: number;
  messagesWritten: number;
}

const MINUTE_MS = 60_000;

async function ensureUser(user: DemoUser): Promise<boolean> {
  if (await findUserByUuid(user.uuid)) return false;
  try {
    const { password: _password, ...profile } = user;
    await createUserProfile(profile);
    return true;
  } catch (error) {
    // Created concurrently by another seed run: same fixed uuid, nothing to do.
    if (error instanceof ConflictError && (await findUserByUuid(user.uuid))) return false;
    throw error;
  }
}

export function demoMessages(conversation: DemoConversation, nowMs: number): Message[] {
  const last = conversation.lines.length - 1;
  const endMs = nowMs - conversation.endsMinutesAgo * MINUTE_MS;
  return conversation.lines.map(([speaker, text], i) => {
    const author = conversation.members[speaker];
    return {
      message_group_uuid: conversation.message_group_uuid,
      // Deterministic per line, so the seed's messages are recognisable across runs.
      message_uuid: `${conversation.message_group_uuid.slice(0, 24)}${String(i).padStart(12, '0')}`,
      message: text,
      created_at: formatMicros((endMs - (last - i) * MINUTE_MS) * 1000),
      user_uuid: author.uuid,
      user_handle: author.handle,
      user_display_name: author.display_name,
    };
  });
}

/** Removes messages left by an interrupted earlier run of this conversation's seed. */
async function deleteLeftoverMessages(groupUuid: string): Promise<void> {
  const leftovers = await queryAll({ pk: keys.messagePartition(groupUuid), projection: 'pk, sk' });
  await batchWrite(leftovers.map((Key) => ({ DeleteRequest: { Key } })));
}

async function ensureConversation(conversation: DemoConversation, nowMs: number): Promise<number> {
  const [a, b] = conversation.members;
  const group = conversation.message_group_uuid;
  if (await findMessageGroupBetween(a.uuid, b.uuid)) return 0;

  await deleteLeftoverMessages(group);
  const messages = demoMessages(conversation, nowMs);
  await batchWrite(messages.map((message) => ({ PutRequest: { Item: messageItem(message) } })));

  const [first, last] = [messages[0], messages[messages.length - 1]];
  if (!first || !last) throw new Error(`demo conversation ${group} has no lines`);
  try {
    // Pattern D's conversation items (without its message: the messages are written above).
    // Nobody has read anything yet: each row counts the other member's messages.
    const unread = (member: string) => messages.filter((m) => m.user_uuid !== member).length;
    await transactWrite(
      conversationStart(a, b, group, last, first.created_at, {
        sender: { unread_count: unread(a.uuid) },
        other: { unread_count: unread(b.uuid) },
      }),
    );
  } catch (error) {
    // Another seed run completed this conversation meanwhile.
    if (error instanceof TransactionCancelledError && error.failed('pair')) return 0;
    throw error;
  }
  return messages.length;
}

export async function seed(nowMs: number = Date.now()): Promise<SeedSummary> {
  const summary: SeedSummary = {
    usersCreated: 0,
    usersExisting: 0,
    conversationsCreated: 0,
    conversationsExisting: 0,
    messagesWritten: 0,
  };
  for (const user of Object.values(demoUsers)) {
    if (await ensureUser(user)) summary.usersCreated++;
    else summary.usersExisting++;
  }
  for (const conversation of demoConversations) {
    const written = await ensureConversation(conversation, nowMs);
    if (written > 0) summary.conversationsCreated++;
    else summary.conversationsExisting++;
    summary.messagesWritten += written;
  }
  return summary;
}
