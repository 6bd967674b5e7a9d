/**
 * Pattern E end to end on the offline stack (`sls offline start`, as `npm start` runs it):
 * messages go in over HTTP, the stream emulation delivers the table's records to
 * handlers/stream/update-conversation-rows, and the conversation list reflects them.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { keys } from '../../domain/keys';
import { readMessages } from '../../domain/list-messages';
import type { Message } from '../../domain/types';
import { partition } from '../support/fixtures';
import { api, login, signUp, stack, type TestUser } from '../support/stack';

/**
 * A bound on the wait, not a speed assertion: how fast delivery is (the promise is within a
 * second; local/serverless-plugin.js sets the emulator's read interval to 100 ms) is the
 * bench's figure 4a, measured and held against that target in `npm run bench`.
 */
const DELIVERY_WAIT_MS = 10_000;

interface Member extends TestUser {
  token: string;
}

async function member(name: string): Promise<Member> {
  const id = randomUUID().replace(/-/g, '').slice(0, 10);
  const user: TestUser = {
    email: `${name}.${id}@example.com`,
    password: `Pw${id}A1`,
    handle: `${name}_${id}`,
    display_name: name,
  };
  await signUp(user);
  return { ...user, token: (await login(user.email, user.password)).accessToken };
}

async function conversation(): Promise<{ ada: Member; ben: Member; group: string }> {
  const [ada, ben] = await Promise.all([member('ada'), member('ben')]);
  const first = await api('POST', '/api/messages', { token: ada.token, json: { handle: ben.handle, message: 'hello' } });
  expect(first.status).toBe(200);
  return { ada, ben, group: first.body.message_group_uuid };
}

interface Row {
  uuid: string;
  message: string;
  created_at: string;
}

async function listedRow(who: Member, group: string): Promise<Row | undefined> {
  const response = await api('GET', '/api/message_groups', { token: who.token });
  expect(response.status).toBe(200);
  return (response.body as Row[]).find((row) => row.uuid === group);
}

/** Polls both members' conversation lists until the conversation shows `created_at`; returns the wait in ms. */
async function waitUntilListed(members: Member[], group: string, createdAt: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const rows = await Promise.all(members.map((m) => listedRow(m, group)));
    if (rows.every((row) => row?.created_at === createdAt)) return Date.now() - started;
    if (Date.now() - started > timeoutMs) {
      throw new Error(`not listed after ${timeoutMs} ms: ${JSON.stringify(rows)} (want ${createdAt})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function allMessages(group: string): Promise<Message[]> {
  const all: Message[] = [];
  let cursor: string | undefined;
  do {
    const page = await readMessages(group, { limit: 100, ...(cursor ? { cursor } : {}) });
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

async function rowsOf(_who: Member, uuid: string, group: string) {
  return (await partition(keys.conversationPartition(uuid))).filter((row) => row.message_group_uuid === group);
}

describe('pattern E through the offline stack', () => {
  it("a message sent over HTTP becomes the last message in both members' conversation lists", async () => {
    const { ada, ben, group } = await conversation();
    // The first delivery pays the function's cold start; measure the steady state after it.
    const warmUp = await api('POST', '/api/messages', {
      token: ada.token,
      json: { message_group_uuid: group, message: 'warm up' },
    });
    await waitUntilListed([ada, ben], group, warmUp.body.created_at, 15000);

    const sent = await api('POST', '/api/messages', {
      token: ben.token,
      json: { message_group_uuid: group, message: 'are you there?' },
    });
    expect(sent.status).toBe(200);
    await waitUntilListed([ada, ben], group, sent.body.created_at, DELIVERY_WAIT_MS);

    expect(await listedRow(ada, group)).toMatchObject({ message: 'are you there?', handle: ben.handle });
    expect(await listedRow(ben, group)).toMatchObject({ message: 'are you there?', handle: ada.handle });
  });

  it('100 concurrent messages from both members: all stored, each member has exactly one row, at the newest', async () => {
    const { ada, ben, group } = await conversation();
    const sends = await Promise.all(
      Array.from({ length: 100 }, (_, i) => {
        const from = i % 2 ? ben : ada;
        return api('POST', '/api/messages', {
          token: from.token,
          json: { message_group_uuid: group, message: `${from.display_name} #${i}` },
        });
      }),
    );
    expect(sends.map((s) => s.status)).toEqual(sends.map(() => 200));
    const newest = sends
      .map((s) => s.body as { created_at: string; message: string })
      .sort((a, b) => (a.created_at < b.created_at ? 1 : -1))[0]!;

    await waitUntilListed([ada, ben], group, newest.created_at, 15000);

    const items = await partition(keys.messagePartition(group));
    const paged = await allMessages(group);
    expect({ items: items.length, paged: paged.length }).toEqual({ items: 101, paged: 101 });
    const stored = paged;
    expect(new Set(stored.map((m) => m.message)).size).toBe(101);
    const [adaUuid, benUuid] = [
      stored.find((m) => m.user_handle === ada.handle)!.user_uuid,
      stored.find((m) => m.user_handle === ben.handle)!.user_uuid,
    ];
    for (const [owner, other] of [
      [adaUuid, ben],
      [benUuid, ada],
    ] as const) {
      const rows = await rowsOf(owner === adaUuid ? ada : ben, owner, group);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ sk: newest.created_at, message: newest.message, user_handle: other.handle });
    }
  }, 120_000); // 100 Lambda invocations through serverless-offline on a small machine

  it('keeps its stream checkpoint in a file of its own engine port, so parallel stacks never share one', async () => {
    const { ada, ben, group } = await conversation();
    const sent = await api('POST', '/api/messages', {
      token: ben.token,
      json: { message_group_uuid: group, message: 'checkpointed' },
    });
    await waitUntilListed([ada, ben], group, sent.body.created_at, DELIVERY_WAIT_MS);
    const port = new URL(stack().dynamodbEndpoint).port;
    const file = path.join(__dirname, '../../.local', `dynamodb-streams-checkpoint-${port}.json`);
    expect(existsSync(file)).toBe(true);
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')) as object).length).toBeGreaterThan(0);
  });
});
