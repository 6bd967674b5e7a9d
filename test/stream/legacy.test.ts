/**
 * Pattern E over what the original Cruddur backend writes (test/support/legacy.ts): its
 * messages (`+00:00` isoformat stamps) and its conversation rows, delivered as the real
 * stream records the engine emits for those writes.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { putMessage } from '../../domain/create-message';
import { createMessageGroup } from '../../domain/create-message-group';
import { keys } from '../../domain/keys';
import { listMessageGroups } from '../../domain/list-message-groups';
import { formatMicros } from '../../domain/time';
import type { UserProfile } from '../../domain/types';
import { handler } from '../../handlers/stream/update-conversation-rows';
import { partition } from '../support/fixtures';
import {
  legacyCreateMessage,
  legacyCreateMessageGroup,
  legacyListMessageGroups,
  legacyUser,
  pythonIsoformat,
} from '../support/legacy';
import { pkOf, streamEvent, tapStream, type StreamTap } from '../support/stream-events';
import { readAttributesOf } from '../support/unread';

let tap: StreamTap;
beforeEach(async () => {
  tap = await tapStream();
});
afterEach(() => tap.close());

/** A whole second a little ahead of now, so every stamp below is newer than the setup's. */
function nextSecondMicros(): number {
  return (Math.floor(Date.now() / 1000) + 5) * 1_000_000;
}

function inserts(records: DynamoDBRecord[], group: string): DynamoDBRecord[] {
  return records.filter((r) => r.eventName === 'INSERT' && pkOf(r) === keys.messagePartition(group));
}

function rowWrites(records: DynamoDBRecord[], users: UserProfile[]): number {
  return records.filter((r) => users.some((u) => pkOf(r) === keys.conversationPartition(u.uuid))).length;
}

async function rowsOf(owner: UserProfile, group: string) {
  return (await partition(keys.conversationPartition(owner.uuid))).filter((row) => row.message_group_uuid === group);
}

/**
 * Each member has exactly one row, at `sk`, in the shape both backends write plus #17's unread
 * count: the truth counted from the items (test/support/unread.ts), or `legacyUnread` for rows
 * the original wrote, which count from their own position (what came before shows as read).
 */
async function expectRows(
  a: UserProfile,
  b: UserProfile,
  group: string,
  sk: string,
  message: string,
  legacyUnread?: [number, number],
): Promise<void> {
  for (const [i, [owner, other]] of (
    [
      [a, b],
      [b, a],
    ] as const
  ).entries()) {
    const read = await readAttributesOf(group, owner.uuid, sk);
    expect(await rowsOf(owner, group)).toEqual([
      {
        pk: `GRP#${owner.uuid}`,
        sk,
        message_group_uuid: group,
        message,
        user_uuid: other.uuid,
        user_handle: other.handle,
        user_display_name: other.display_name,
        ...read,
        ...(legacyUnread ? { unread_count: legacyUnread[i] } : {}),
      },
    ]);
  }
}

describe("pattern E over the original backend's items", () => {
  it("applies a message written by the original's create_message exactly like ours: both rows move, once, to its instant in our form", async () => {
    const [ada, ben] = await Promise.all([legacyUser('Andrew Brown'), legacyUser('Andrew Bayko')]);
    const group = (await createMessageGroup(ada, ben.handle, 'ours: hello')).message_group_uuid;
    const stamp = pythonIsoformat(nextSecondMicros() + 753_263); // e.g. 2026-12-01T18:19:28.753263+00:00
    await legacyCreateMessage(group, 'theirs: hi back', ben, stamp);
    const batch = inserts(await tap.read(), group).slice(1);
    expect(batch.map((r) => r.dynamodb?.Keys?.sk?.S)).toEqual([stamp]);

    expect(await handler(streamEvent(batch))).toEqual({ batchItemFailures: [] });
    await expectRows(ada, ben, group, stamp.replace('+00:00', 'Z'), 'theirs: hi back');
    expect(rowWrites(await tap.read(), [ada, ben])).toBe(4); // one REMOVE + one INSERT per member

    // At-least-once: the replay finds both rows at that instant and writes nothing.
    expect(await handler(streamEvent(batch))).toEqual({ batchItemFailures: [] });
    expect(rowWrites(await tap.read(), [ada, ben])).toBe(0);
  });

  it("moves the rows of a conversation the original's create_message_group wrote (its shape, +00:00 sk) like ours; both backends read the result", async () => {
    const [ada, ben] = await Promise.all([legacyUser('Andrew Brown'), legacyUser('Andrew Bayko')]);
    const base = nextSecondMicros();
    const group = await legacyCreateMessageGroup(ada, ben, 'theirs: started', pythonIsoformat(base)); // microsecond 0: no fraction
    const later = pythonIsoformat(base + 1_000_042);
    await legacyCreateMessage(group, 'theirs: second message', ben, later);
    const batch = inserts(await tap.read(), group);
    expect(batch).toHaveLength(2);

    expect(await handler(streamEvent(batch))).toEqual({ batchItemFailures: [] });
    const canonical = formatMicros(base + 1_000_042);
    // The original's rows had no count: Ada's counts Ben's message after it, Ben's nothing (his own).
    await expectRows(ada, ben, group, canonical, 'theirs: second message', [1, 0]);
    expect((await listMessageGroups(ada.uuid)).items).toEqual([
      {
        message_group_uuid: group,
        user_uuid: ben.uuid,
        user_handle: ben.handle,
        user_display_name: 'Andrew Bayko',
        message: 'theirs: second message',
        last_message_at: canonical,
        unread_count: 1,
        last_read_at: null,
      },
    ]);
    expect(await legacyListMessageGroups(ben.uuid, canonical.slice(0, 4))).toEqual([
      { uuid: group, display_name: 'Andrew Brown', handle: ada.handle, message: 'theirs: second message', created_at: canonical },
    ]);
  });

  it('coalesces a batch by instant: a message of ours beats a same-millisecond `Z` stamp that is newer as a string', async () => {
    const [ada, ben] = await Promise.all([legacyUser('Andrew Brown'), legacyUser('Andrew Bayko')]);
    const group = (await createMessageGroup(ada, ben.handle, 'ours: hello')).message_group_uuid;
    const base = nextSecondMicros();
    const mine = await putMessage({
      message_group_uuid: group,
      message_uuid: randomUUID(),
      message: 'ours: .250100, the newest',
      created_at: formatMicros(base + 250_100),
      user_uuid: ada.uuid,
      user_handle: ada.handle,
      user_display_name: ada.display_name,
    });
    // `….250Z` sorts after `….250100Z` as a string but is 100 µs older.
    const theirs = `${formatMicros(base + 250_000).slice(0, 23)}Z`;
    await legacyCreateMessage(group, 'theirs: .250 (toISOString)', ben, theirs);
    const batch = inserts(await tap.read(), group).slice(1);
    expect(batch.map((r) => r.dynamodb?.Keys?.sk?.S)).toEqual([mine.created_at, theirs]);

    expect(await handler(streamEvent(batch))).toEqual({ batchItemFailures: [] });
    await expectRows(ada, ben, group, mine.created_at, 'ours: .250100, the newest');
  });

  it('moves a row stamped `…:29Z` (no fraction) to a message of ours at `…:29.000001Z`, which is newer though it sorts lower as a string', async () => {
    const [ada, ben] = await Promise.all([legacyUser('Andrew Brown'), legacyUser('Andrew Bayko')]);
    const base = nextSecondMicros();
    const group = await legacyCreateMessageGroup(ada, ben, 'theirs: started', `${formatMicros(base).slice(0, 19)}Z`);
    const mine = await putMessage({
      message_group_uuid: group,
      message_uuid: randomUUID(),
      message: 'ours: one microsecond later',
      created_at: formatMicros(base + 1),
      user_uuid: ada.uuid,
      user_handle: ada.handle,
      user_display_name: ada.display_name,
    });
    const batch = inserts(await tap.read(), group).slice(1);

    expect(await handler(streamEvent(batch))).toEqual({ batchItemFailures: [] });
    // The original's rows had no count: Ben's counts Ada's message after it, not the one it showed.
    await expectRows(ada, ben, group, mine.created_at, 'ours: one microsecond later', [0, 1]);
  });
});
