import { randomUUID } from 'node:crypto';
import { createMessage } from '../../domain/create-message';
import { createMessageGroup } from '../../domain/create-message-group';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../../domain/dynamodb';
import { encodeCursor } from '../../domain/cursor';
import { NotFoundError, ValidationError } from '../../domain/errors';
import { listMessages } from '../../domain/list-messages';
import type { Message } from '../../domain/types';
import { messageItem } from '../../domain/items';
import { newUser } from '../support/fixtures';

/**
 * A message from the past, stored as is (an import, or the original backend): a send now
 * always commits after the conversation's newest message (#17, domain/unread.ts).
 */
async function putHistorical(message: Message): Promise<void> {
  await db().send(new PutCommand({ TableName: tableName(), Item: messageItem(message) }));
}

async function conversationWith(count: number) {
  const [ada, ben, eve] = await Promise.all([newUser('Ada'), newUser('Ben'), newUser('Eve')]);
  const first = await createMessageGroup(ada, ben.handle, 'm0');
  const sent: Message[] = [first];
  for (let i = 1; i < count; i++) sent.push(await createMessage(first.message_group_uuid, i % 2 ? ben : ada, `m${i}`));
  return { ada, ben, eve, group: first.message_group_uuid, sent };
}

describe('pattern A: list a conversation', () => {
  it('returns the latest page oldest→newest with a cursor to the page before', async () => {
    const { ada, group, sent } = await conversationWith(7);
    const page = await listMessages(group, ada.uuid, { limit: 3 });
    expect(page.items.map((m) => m.message)).toEqual(['m4', 'm5', 'm6']);
    expect(page.items[2]).toEqual(sent[6]);
    expect(page.nextCursor).toEqual(expect.any(String));
  });

  it('walks every message exactly once across pages, and the last page has no cursor', async () => {
    const { ben, group, sent } = await conversationWith(11);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listMessages(group, ben.uuid, { limit: 4, ...(cursor ? { cursor } : {}) });
      seen.unshift(...page.items.map((m) => m.message));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(sent.map((m) => m.message));
  });

  it('gives no cursor when the page holds exactly the rest', async () => {
    const { ada, group } = await conversationWith(3);
    expect((await listMessages(group, ada.uuid, { limit: 3 })).nextCursor).toBeUndefined();
  });

  it('lists across a year boundary (no "this year" filter hides last year)', async () => {
    const { ada, ben, group } = await conversationWith(1);
    await putHistorical({
      message_group_uuid: group,
      message_uuid: randomUUID(),
      message: 'late December',
      created_at: '2025-12-31T23:59:00.000000Z',
      user_uuid: ben.uuid,
      user_handle: ben.handle,
      user_display_name: 'Ben',
    });
    await putHistorical({
      message_group_uuid: group,
      message_uuid: randomUUID(),
      message: 'early January',
      created_at: '2026-01-01T00:01:00.000000Z',
      user_uuid: ada.uuid,
      user_handle: ada.handle,
      user_display_name: 'Ada',
    });
    const page = await listMessages(group, ada.uuid);
    expect(page.items.map((m) => m.message)).toEqual(['late December', 'early January', 'm0']);
  });

  it('does not exist for a non-member', async () => {
    const { eve, group } = await conversationWith(2);
    await expect(listMessages(group, eve.uuid)).rejects.toThrow(NotFoundError);
  });

  it('does not exist for a non-member even with a malformed cursor or limit (no 400 that confirms it)', async () => {
    const { eve, group } = await conversationWith(2);
    await expect(listMessages(group, eve.uuid, { cursor: 'garbage' })).rejects.toThrow(NotFoundError);
    await expect(listMessages(group, eve.uuid, { limit: 0 })).rejects.toThrow(NotFoundError);
  });

  it("makes no message query for a non-member, so its answer cannot depend on the conversation's messages", async () => {
    const { eve, group } = await conversationWith(3);
    const sent: string[] = [];
    const name = 'record-commands';
    db().middlewareStack.add(
      (next, context) => async (args) => {
        sent.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name },
    );
    try {
      await expect(listMessages(group, eve.uuid)).rejects.toThrow(NotFoundError);
      // Give a query started beside the check the chance to be sent.
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      db().middlewareStack.remove(name);
    }
    expect(sent).toEqual(['GetItemCommand']);
  });

  it('does not exist when the conversation is unknown', async () => {
    const ada = await newUser('Ada');
    await expect(listMessages(randomUUID(), ada.uuid)).rejects.toThrow(NotFoundError);
  });

  it('rejects a cursor from another conversation, even one the viewer is in', async () => {
    const one = await conversationWith(3);
    const other = await createMessageGroup(one.ada, one.eve.handle, 'hi eve');
    const foreign = encodeCursor({ kind: 'messages', groupUuid: other.message_group_uuid }, other.created_at);
    await expect(listMessages(one.group, one.ada.uuid, { cursor: foreign })).rejects.toThrow(ValidationError);
  });

  it.each([0, 101, 2.5])('rejects limit %j', async (limit) => {
    const { ada, group } = await conversationWith(1);
    await expect(listMessages(group, ada.uuid, { limit })).rejects.toThrow(ValidationError);
  });
});
