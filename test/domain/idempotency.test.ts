import { randomUUID } from 'node:crypto';
import { createMessage } from '../../domain/create-message';
import { createMessageGroup } from '../../domain/create-message-group';
import { ConflictError, ValidationError } from '../../domain/errors';
import { keys } from '../../domain/keys';
import { findMessageGroupBetween } from '../../domain/membership';
import { setClockForTests } from '../../domain/time';
import { newUser, partition } from '../support/fixtures';

async function conversation() {
  const [ada, ben] = await Promise.all([newUser('Ada'), newUser('Ben')]);
  const first = await createMessageGroup(ada, ben.handle, 'first');
  return { ada, ben, group: first.message_group_uuid };
}

describe('idempotent sends', () => {
  it('store one message for 5 concurrent retries of a send and return the same result to each', async () => {
    const { ada, group } = await conversation();
    const idempotencyKey = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 5 }, () => createMessage(group, ada, 'exactly once', { idempotencyKey })),
    );
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
    const stored = await partition(keys.messagePartition(group));
    expect(stored.filter((m) => m.message === 'exactly once')).toHaveLength(1);
    expect(stored.find((m) => m.message === 'exactly once')?.message_uuid).toBe(results[0]!.message_uuid);
  });

  it('replay a later retry of the same send without writing', async () => {
    const { ben, group } = await conversation();
    const idempotencyKey = 'retry-1';
    const first = await createMessage(group, ben, 'hello', { idempotencyKey });
    const again = await createMessage(group, ben, 'hello', { idempotencyKey });
    expect(again).toEqual(first);
    expect(await partition(keys.messagePartition(group))).toHaveLength(2);
  });

  it('refuse the same key for a different request, writing nothing', async () => {
    const { ada, group } = await conversation();
    await createMessage(group, ada, 'original', { idempotencyKey: 'k1' });
    await expect(createMessage(group, ada, 'different text', { idempotencyKey: 'k1' })).rejects.toThrow(ConflictError);
    expect((await partition(keys.messagePartition(group))).map((m) => m.message)).toEqual(['first', 'original']);
  });

  it('scope keys per user: two users may use the same key', async () => {
    const { ada, ben, group } = await conversation();
    const a = await createMessage(group, ada, 'same words', { idempotencyKey: 'shared' });
    const b = await createMessage(group, ben, 'same words', { idempotencyKey: 'shared' });
    expect(a.message_uuid).not.toBe(b.message_uuid);
  });

  it('make 5 concurrent retries of a conversation start create one conversation with one message', async () => {
    const [ada, ben] = await Promise.all([newUser('Ada'), newUser('Ben')]);
    const idempotencyKey = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 5 }, () => createMessageGroup(ada, ben.handle, 'hi once', { idempotencyKey })),
    );
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
    const group = await findMessageGroupBetween(ada.uuid, ben.uuid);
    expect(group).toBe(results[0]!.message_group_uuid);
    expect(await partition(keys.messagePartition(group!))).toHaveLength(1);
  });

  it('reject a malformed key before writing', async () => {
    const { ada, group } = await conversation();
    await expect(createMessage(group, ada, 'x', { idempotencyKey: 'has space' })).rejects.toThrow(ValidationError);
    await expect(createMessage(group, ada, 'x', { idempotencyKey: 'k'.repeat(65) })).rejects.toThrow(ValidationError);
    expect(await partition(keys.messagePartition(group))).toHaveLength(1);
  });
});

describe('idempotency keys after 24 hours', () => {
  afterEach(() => setClockForTests(undefined));

  it('are free again even before TTL deletes the record: a new request with the key is stored', async () => {
    const { ada, group } = await conversation();
    const start = Date.now();
    setClockForTests({ nowMs: () => start });
    await createMessage(group, ada, 'monday', { idempotencyKey: 'weekly' });
    setClockForTests({ nowMs: () => start + 23 * 3_600_000 });
    await expect(createMessage(group, ada, 'not yet', { idempotencyKey: 'weekly' })).rejects.toThrow(ConflictError);
    setClockForTests({ nowMs: () => start + 25 * 3_600_000 });
    const later = await createMessage(group, ada, 'tuesday', { idempotencyKey: 'weekly' });
    expect(later.message).toBe('tuesday');
    expect((await partition(keys.messagePartition(group))).map((m) => m.message)).toEqual(['first', 'monday', 'tuesday']);
  });
});
