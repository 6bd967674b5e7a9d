import { createMessage } from '../../domain/create-message';
import { createMessageGroup } from '../../domain/create-message-group';
import { NotFoundError, ValidationError } from '../../domain/errors';
import { keys } from '../../domain/keys';
import { setClockForTests } from '../../domain/time';
import { newUser, partition } from '../support/fixtures';

afterEach(() => setClockForTests(undefined));

async function conversation() {
  const [ada, ben, eve] = await Promise.all([newUser('Ada'), newUser('Ben'), newUser('Eve')]);
  const first = await createMessageGroup(ada, ben.handle, 'first');
  return { ada, ben, eve, group: first.message_group_uuid };
}

describe('pattern C: send into an existing conversation', () => {
  it('stores the trimmed message with the sender and returns it', async () => {
    const { ben, group } = await conversation();
    const message = await createMessage(group, ben, '  reply  ');
    expect(message).toMatchObject({ message_group_uuid: group, message: 'reply', user_uuid: ben.uuid, user_handle: ben.handle });
    const stored = await partition(keys.messagePartition(group));
    expect(stored.map((m) => m.message)).toEqual(['first', 'reply']);
    expect(stored[1]).toEqual({
      ...keys.message(group, message.created_at),
      message_uuid: message.message_uuid,
      message: 'reply',
      user_uuid: ben.uuid,
      user_display_name: 'Ben',
      user_handle: ben.handle,
    });
  });

  it('treats a non-member as if the conversation did not exist, writing nothing', async () => {
    const { eve, group } = await conversation();
    await expect(createMessage(group, eve, 'let me in')).rejects.toThrow(NotFoundError);
    expect(await partition(keys.messagePartition(group))).toHaveLength(1);
  });

  it.each([
    ['empty', ''],
    ['whitespace only', '   '],
    ['1025 characters', 'x'.repeat(1025)],
  ])('rejects a %s message, writing nothing', async (_label, text) => {
    const { ada, group } = await conversation();
    await expect(createMessage(group, ada, text)).rejects.toThrow(ValidationError);
    expect(await partition(keys.messagePartition(group))).toHaveLength(1);
  });

  it('rejects a group id that is not a uuid before any read', async () => {
    const ada = await newUser('Ada');
    await expect(createMessage('MSG#x', ada, 'hi')).rejects.toThrow(ValidationError);
  });

  it('keeps two messages stamped in the same millisecond by different processes (no sk overwrite)', async () => {
    const { ada, ben, group } = await conversation();
    const frozen = Date.now() + 60_000;
    // Resetting the clock between sends simulates two containers whose stamps collide exactly.
    setClockForTests({ nowMs: () => frozen });
    const one = await createMessage(group, ada, 'same instant, first');
    setClockForTests({ nowMs: () => frozen });
    const two = await createMessage(group, ben, 'same instant, second');

    expect(two.created_at).not.toBe(one.created_at);
    expect(two.created_at > one.created_at).toBe(true);
    const stored = await partition(keys.messagePartition(group));
    expect(stored.map((m) => m.message)).toEqual(['first', 'same instant, first', 'same instant, second']);
  });
});
