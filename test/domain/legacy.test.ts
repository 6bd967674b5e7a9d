/**
 * A table shared with the original Cruddur backend during a cut-over: its items and
 * timestamps (test/support/legacy.ts, reconstructed from its source) next to ours, read in
 * both directions — our patterns A and B and ops reports over what it wrote, its own
 * queries over what we write.
 */
import { randomUUID } from 'node:crypto';
import { createMessage, putMessage } from '../../domain/create-message';
import { createMessageGroup } from '../../domain/create-message-group';
import { keys } from '../../domain/keys';
import { listMessageGroups } from '../../domain/list-message-groups';
import { listMessages } from '../../domain/list-messages';
import { formatMicros, setClockForTests } from '../../domain/time';
import type { UserProfile } from '../../domain/types';
import { updateConversationRows } from '../../domain/update-conversation-rows';
import { handler as getConversation } from '../../handlers/ops/get-conversation';
import { handler as listConversations } from '../../handlers/ops/list-conversations';
import { partition } from '../support/fixtures';
import {
  legacyCreateMessage,
  legacyCreateMessageGroup,
  legacyListMessageGroups,
  legacyListMessages,
  legacyPut,
  legacyRowItem,
  legacyScriptParses,
  legacyUser,
  pythonIsoformat,
} from '../support/legacy';

// 2026-12-01T18:19:28Z: every stamp below is in this second or the next few.
const SECOND = Date.UTC(2026, 11, 1, 18, 19, 28) * 1000;
const at = (offsetMicros: number) => SECOND + offsetMicros;

afterEach(() => setClockForTests(undefined));

/** Walks pattern A to the start with `limit` per page; returns the texts oldest first. */
async function walkMessages(group: string, viewer: string, limit: number): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await listMessages(group, viewer, { limit, ...(cursor ? { cursor } : {}) });
    seen.unshift(...page.items.map((m) => m.message));
    cursor = page.nextCursor;
  } while (cursor);
  return seen;
}

async function walkGroups(user: string, limit: number): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await listMessageGroups(user, { limit, ...(cursor ? { cursor } : {}) });
    seen.push(...page.items.map((g) => g.message));
    cursor = page.nextCursor;
  } while (cursor);
  return seen;
}

function ours(group: string, sender: UserProfile, message: string, micros: number) {
  return putMessage({
    message_group_uuid: group,
    message_uuid: randomUUID(),
    message,
    created_at: formatMicros(micros),
    user_uuid: sender.uuid,
    user_handle: sender.handle,
    user_display_name: sender.display_name,
  });
}

/**
 * One conversation (started by us, so both are members) holding both backends' messages,
 * several of them in the same second in forms whose string order is not their time order.
 * Returns the texts in time order.
 */
async function mixedConversation() {
  const [ada, ben] = await Promise.all([legacyUser('Andrew Brown'), legacyUser('Andrew Bayko')]);
  setClockForTests({ nowMs: () => (SECOND - 60_000_000) / 1000 });
  const first = await createMessageGroup(ada, ben.handle, 'ours: first, a minute before');
  const group = first.message_group_uuid;
  const s = (micros: number, z = 'Z') => `${new Date(Math.floor(micros / 1000)).toISOString().slice(0, 19)}${z}`;
  await legacyCreateMessage(group, 'theirs: isoformat, microsecond 0', ben, pythonIsoformat(at(0)));
  await ours(group, ada, 'ours: .100000', at(100_000));
  await legacyCreateMessage(group, 'theirs: .250 Z (JS toISOString)', ben, '2026-12-01T18:19:28.250Z');
  await ours(group, ada, 'ours: .250100 (string-sorts before .250Z)', at(250_100));
  await legacyCreateMessage(group, 'theirs: isoformat .753263', ben, pythonIsoformat(at(753_263)));
  await legacyCreateMessage(group, 'theirs: next second, Z, no fraction', ben, s(at(1_000_000)));
  await ours(group, ada, 'ours: .000001 (string-sorts before :29Z)', at(1_000_001));
  await legacyCreateMessage(group, 'theirs: .500 +00:00', ben, '2026-12-01T18:19:29.500+00:00');
  await ours(group, ada, 'ours: .500000, the same instant', at(1_500_000));
  await legacyCreateMessage(group, 'theirs: a second later', ben, pythonIsoformat(at(2_000_000)));
  const inTimeOrder = [
    'ours: first, a minute before',
    'theirs: isoformat, microsecond 0',
    'ours: .100000',
    'theirs: .250 Z (JS toISOString)',
    'ours: .250100 (string-sorts before .250Z)',
    'theirs: isoformat .753263',
    'theirs: next second, Z, no fraction',
    'ours: .000001 (string-sorts before :29Z)',
    'theirs: .500 +00:00',
    'ours: .500000, the same instant',
    'theirs: a second later',
  ];
  return { ada, ben, group, inTimeOrder };
}

describe('our readers over what the original backend wrote', () => {
  it("pattern A lists a conversation mixing both backends' stamps in time order, on every page size", async () => {
    const { ada, group, inTimeOrder } = await mixedConversation();
    // The fixture matters: in sort-key (string) order the same messages come out wrong.
    const stored = (await partition(keys.messagePartition(group))).map((item) => item.message);
    expect(stored).not.toEqual(inTimeOrder);

    for (const limit of [1, 2, 3, 4, 5, 50]) {
      expect({ limit, seen: await walkMessages(group, ada.uuid, limit) }).toEqual({ limit, seen: inTimeOrder });
    }
  });

  it('pattern A returns every created_at in our canonical form, whatever form the key has', async () => {
    const { ben, group } = await mixedConversation();
    const page = await listMessages(group, ben.uuid, { limit: 50 });
    expect(page.items.find((m) => m.message === 'theirs: isoformat, microsecond 0')?.created_at).toBe(
      '2026-12-01T18:19:28.000000Z',
    );
    expect(page.items.find((m) => m.message === 'theirs: .250 Z (JS toISOString)')?.created_at).toBe(
      '2026-12-01T18:19:28.250000Z',
    );
    for (const m of page.items) expect(m.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it('pattern B lists rows the original wrote (create_message_group, seed, its stream Lambda) among ours in time order', async () => {
    const me = await legacyUser('Andrew Brown');
    const others = await Promise.all(Array.from({ length: 6 }, (_, i) => legacyUser(`Friend ${i}`)));
    // Theirs: create_message_group at isoformat() stamps (one with microsecond 0), and a
    // row its Lambda moved to a JS-style `Z` message stamp.
    await legacyCreateMessageGroup(me, others[0]!, 'row 1 (theirs, :28+00:00)', pythonIsoformat(at(0)));
    await legacyCreateMessageGroup(me, others[2]!, 'row 3 (theirs, .600Z)', '2026-12-01T18:19:28.600Z');
    await legacyCreateMessageGroup(me, others[4]!, 'row 5 (theirs, :29Z)', '2026-12-01T18:19:29Z');
    // Ours: rows created by pattern D at chosen instants.
    for (const [i, micros] of [
      [1, 300_000],
      [3, 601_000],
      [5, 1_001_000],
    ] as const) {
      setClockForTests({ nowMs: () => at(micros) / 1000 });
      const sent = await createMessageGroup(me, others[i]!.handle, `row ${i + 1} (ours)`);
      expect(sent.created_at).toBe(formatMicros(at(micros)));
    }
    const newestFirst = [
      'row 6 (ours)',
      'row 5 (theirs, :29Z)',
      'row 4 (ours)',
      'row 3 (theirs, .600Z)',
      'row 2 (ours)',
      'row 1 (theirs, :28+00:00)',
    ];

    for (const limit of [1, 2, 3, 4, 50]) {
      expect({ limit, seen: await walkGroups(me.uuid, limit) }).toEqual({ limit, seen: newestFirst });
    }
    const page = await listMessageGroups(me.uuid, { limit: 50 });
    expect(page.items.find((g) => g.message.startsWith('row 1'))).toEqual({
      message_group_uuid: expect.any(String),
      user_uuid: others[0]!.uuid,
      user_handle: others[0]!.handle,
      user_display_name: 'Friend 0',
      message: 'row 1 (theirs, :28+00:00)',
      last_message_at: '2026-12-01T18:19:28.000000Z',
      // Rows written before #17 have no count: 0 until their next message, no marker.
      unread_count: 0,
      last_read_at: null,
    });
  });

  it("a conversation row the original's seed wrote is moved by pattern E like ours, and both backends read the result", async () => {
    const [me, other] = await Promise.all([legacyUser('Andrew Brown'), legacyUser('Andrew Bayko')]);
    const now = at(753_263);
    // bin/ddb/seed: both rows at now, the messages a day earlier, a minute apart.
    const group = randomUUID();
    await legacyPut(legacyRowItem(me, other, group, pythonIsoformat(now), 'this is a filler message'));
    await legacyPut(legacyRowItem(other, me, group, pythonIsoformat(now), 'this is a filler message'));
    for (let i = 0; i < 3; i++) {
      await legacyCreateMessage(
        group,
        `seed line ${i}`,
        i % 2 ? other : me,
        pythonIsoformat(now - 86_400_000_000 + i * 60_000_000),
      );
    }
    // A seed message is older than the seed's rows: pattern E leaves them alone.
    expect(
      await updateConversationRows({
        message_group_uuid: group,
        created_at: pythonIsoformat(now - 86_400_000_000),
        message: 'seed line 0',
      }),
    ).toMatchObject({ replaced: 0, upToDate: 2 });

    const later = pythonIsoformat(now + 5_000_000);
    await legacyCreateMessage(group, 'a new message from the original', other, later);
    expect(
      await updateConversationRows({ message_group_uuid: group, created_at: later, message: 'a new message from the original' }),
    ).toMatchObject({ replaced: 2 });

    // One row per member, at the message's instant in our form, in the original's shape.
    const myRows = (await partition(keys.conversationPartition(me.uuid))).filter((row) => row.message_group_uuid === group);
    expect(myRows).toEqual([
      {
        pk: `GRP#${me.uuid}`,
        sk: '2026-12-01T18:19:33.753263Z',
        message_group_uuid: group,
        message: 'a new message from the original',
        user_uuid: other.uuid,
        user_display_name: other.display_name,
        user_handle: other.handle,
        // The seed's row had no count (#17): it counts from its position, so only the new message.
        unread_count: 1,
      },
    ]);
    expect((await listMessageGroups(other.uuid)).items).toEqual([
      expect.objectContaining({
        message_group_uuid: group,
        user_uuid: me.uuid,
        message: 'a new message from the original',
        last_message_at: '2026-12-01T18:19:33.753263Z',
      }),
    ]);
    expect(await legacyListMessageGroups(me.uuid, '2026')).toEqual([
      {
        uuid: group,
        display_name: other.display_name,
        handle: other.handle,
        message: 'a new message from the original',
        created_at: '2026-12-01T18:19:33.753263Z',
      },
    ]);
    // Replaying the original's message (its stamp) after the canonical row was written: nothing moves.
    expect(
      await updateConversationRows({ message_group_uuid: group, created_at: later, message: 'a new message from the original' }),
    ).toMatchObject({ replaced: 0, upToDate: 2 });
  });

  it('the ops reports print a mixed conversation and the conversation list in time order', async () => {
    const { ada, group, inTimeOrder } = await mixedConversation();
    await updateConversationRows({
      message_group_uuid: group,
      created_at: pythonIsoformat(at(2_000_000)),
      message: 'theirs: a second later',
    });
    const printed: string[] = [];
    jest.spyOn(console, 'log').mockImplementation((line: unknown) => void printed.push(String(line)));
    try {
      const conversation = await getConversation({ message_group_uuid: group });
      expect(conversation.items.map((m) => m.message)).toEqual(inTimeOrder);
      const stamps = printed.filter((line) => /^\s+\d{4}-/.test(line)).map((line) => line.trim().slice(0, 27));
      expect(stamps).toEqual(conversation.items.map((m) => m.created_at));
      expect([...stamps].sort()).toEqual(stamps); // one form: the printed stamps sort as they read

      printed.length = 0;
      const conversations = await listConversations({ handle: ada.handle });
      expect(conversations.items[0]).toMatchObject({
        message_group_uuid: group,
        message: 'theirs: a second later',
        last_message_at: '2026-12-01T18:19:30.000000Z',
      });
      expect(
        printed.some((line) => line.includes('2026-12-01T18:19:30.000000Z') && line.includes('theirs: a second later')),
      ).toBe(true);
    } finally {
      jest.restoreAllMocks();
    }
  });
});

describe("the original backend's queries over what we write", () => {
  it('its list_messages and list_message_groups read our messages and rows, with every attribute they index', async () => {
    const [ada, ben] = await Promise.all([legacyUser('Andrew Brown'), legacyUser('Andrew Bayko')]);
    setClockForTests({ nowMs: () => SECOND / 1000 });
    const first = await createMessageGroup(ada, ben.handle, 'ours: started by pattern D');
    const group = first.message_group_uuid;
    setClockForTests({ nowMs: () => SECOND / 1000 + 1500 });
    const second = await createMessage(group, ben, 'ours: pattern C');
    await updateConversationRows(second);

    expect(await legacyListMessages(group, '2026')).toEqual([
      {
        uuid: first.message_uuid,
        display_name: 'Andrew Brown',
        handle: ada.handle,
        message: 'ours: started by pattern D',
        created_at: first.created_at,
      },
      {
        uuid: second.message_uuid,
        display_name: 'Andrew Bayko',
        handle: ben.handle,
        message: 'ours: pattern C',
        created_at: second.created_at,
      },
    ]);
    expect(await legacyListMessageGroups(ada.uuid, '2026')).toEqual([
      {
        uuid: group,
        display_name: 'Andrew Bayko',
        handle: ben.handle,
        message: 'ours: pattern C',
        created_at: second.created_at,
      },
    ]);
    expect(await legacyListMessageGroups(ben.uuid, '2026')).toEqual([
      {
        uuid: group,
        display_name: 'Andrew Brown',
        handle: ada.handle,
        message: 'ours: pattern C',
        created_at: second.created_at,
      },
    ]);
    // bin/ddb/patterns/get-conversation parses each stamp with '%Y-%m-%dT%H:%M:%S.%f%z'.
    for (const stamp of [first.created_at, second.created_at]) expect(legacyScriptParses(stamp)).toBe(true);
  });

  it('its list_messages orders a conversation holding its isoformat() stamps and ours by time', async () => {
    const { ada, ben, group } = await (async () => {
      const [a, b] = await Promise.all([legacyUser('Andrew Brown'), legacyUser('Andrew Bayko')]);
      setClockForTests({ nowMs: () => (SECOND - 60_000_000) / 1000 });
      const started = await createMessageGroup(a, b.handle, 'ours: first');
      return { ada: a, ben: b, group: started.message_group_uuid };
    })();
    // Python's forms (+00:00, six digits or none) and ours sort as strings exactly as in
    // time: the original's string-ordered query gets a mixed conversation right.
    await legacyCreateMessage(group, 'theirs: :28+00:00', ben, pythonIsoformat(at(0)));
    await ours(group, ada, 'ours: .000001', at(1));
    await legacyCreateMessage(group, 'theirs: .000002', ben, pythonIsoformat(at(2)));
    await ours(group, ada, 'ours: .753263', at(753_263));
    await legacyCreateMessage(group, 'theirs: .753264', ben, pythonIsoformat(at(753_264)));

    const theirs = (await legacyListMessages(group, '2026')).map((m) => m.message);
    const mine = (await listMessages(group, ada.uuid)).items.map((m) => m.message);
    expect(theirs).toEqual([
      'ours: first',
      'theirs: :28+00:00',
      'ours: .000001',
      'theirs: .000002',
      'ours: .753263',
      'theirs: .753264',
    ]);
    expect(mine).toEqual(theirs);
  });
});
