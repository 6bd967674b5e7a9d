import { createMessage } from '../../domain/create-message';
import { createMessageGroup } from '../../domain/create-message-group';
import { encodeCursor } from '../../domain/cursor';
import { ValidationError } from '../../domain/errors';
import { listMessageGroups } from '../../domain/list-message-groups';
import { newUser } from '../support/fixtures';

describe('pattern B: list my conversations', () => {
  it('lists newest conversation first with the other person and the last message', async () => {
    const [ada, ben, chioma] = await Promise.all([newUser('Ada'), newUser('Ben'), newUser('Chioma')]);
    const withBen = await createMessageGroup(ada, ben.handle, 'to ben');
    const withChioma = await createMessageGroup(chioma, ada.handle, 'from chioma');

    const page = await listMessageGroups(ada.uuid);
    expect(page.items).toEqual([
      {
        message_group_uuid: withChioma.message_group_uuid,
        user_uuid: chioma.uuid,
        user_handle: chioma.handle,
        user_display_name: 'Chioma',
        message: 'from chioma',
        last_message_at: withChioma.created_at,
        // #17: Chioma's first message is unread for Ada, who has no read marker yet.
        unread_count: 1,
        last_read_at: null,
      },
      expect.objectContaining({ message_group_uuid: withBen.message_group_uuid, user_handle: ben.handle, message: 'to ben' }),
    ]);
    expect(page.nextCursor).toBeUndefined();
    // A message alone does not move the row: that is pattern E's job (see test/stream).
    await createMessage(withBen.message_group_uuid, ben, 'later');
    expect((await listMessageGroups(ada.uuid)).items[1]?.message).toBe('to ben');
  });

  it('pages through many conversations without repeats', async () => {
    const ada = await newUser('Ada');
    const others = await Promise.all(Array.from({ length: 7 }, (_, i) => newUser(`Friend ${i}`)));
    for (const other of others) await createMessageGroup(other, ada.handle, `hi from ${other.handle}`);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listMessageGroups(ada.uuid, { limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((g) => g.user_handle));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...others].reverse().map((o) => o.handle));
  });

  it('rejects a cursor issued to another user', async () => {
    const [ada, ben] = await Promise.all([newUser('Ada'), newUser('Ben')]);
    const cursor = encodeCursor({ kind: 'groups', userUuid: ben.uuid }, '2026-01-01T00:00:00.000000Z');
    await expect(listMessageGroups(ada.uuid, { cursor })).rejects.toThrow(ValidationError);
  });
});
