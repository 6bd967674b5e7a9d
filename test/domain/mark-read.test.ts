import { createGroup } from '../../domain/create-group';
import { createMessage } from '../../domain/create-message';
import { createMessageGroup } from '../../domain/create-message-group';
import { NotFoundError, ValidationError } from '../../domain/errors';
import { keys } from '../../domain/keys';
import { removeMember } from '../../domain/manage-group';
import { markRead } from '../../domain/mark-read';
import { getItem, newUser } from '../support/fixtures';

describe('read markers (#17)', () => {
  it('default to the newest message and are stored on the reader’s own membership item', async () => {
    const [ada, ben] = await Promise.all([newUser('Ada'), newUser('Ben')]);
    const first = await createMessageGroup(ada, ben.handle, 'one');
    const second = await createMessage(first.message_group_uuid, ada, 'two');
    expect(await markRead(first.message_group_uuid, ben.uuid)).toEqual({
      message_group_uuid: first.message_group_uuid,
      last_read_at: second.created_at,
      unread_count: 0,
    });
    expect(await getItem(keys.membership(first.message_group_uuid, ben.uuid))).toMatchObject({ last_read_at: second.created_at });
    // The sender of the first message has read it from the start; Ada's marker did not move.
    expect(await getItem(keys.membership(first.message_group_uuid, ada.uuid))).toMatchObject({ last_read_at: first.created_at });
  });

  it('never move back: an older time leaves the marker where it is; a time past the newest message counts as the newest', async () => {
    const [ada, ben] = await Promise.all([newUser('Ada'), newUser('Ben')]);
    const first = await createMessageGroup(ada, ben.handle, 'one');
    const group = first.message_group_uuid;
    const second = await createMessage(group, ada, 'two');
    expect((await markRead(group, ben.uuid, second.created_at)).last_read_at).toBe(second.created_at);
    expect((await markRead(group, ben.uuid, first.created_at)).last_read_at).toBe(second.created_at);
    expect((await markRead(group, ben.uuid, '2999-01-01T00:00:00.000000Z')).last_read_at).toBe(second.created_at);
  });

  it('are for members only (a removed group member too gets 404), and take only message times', async () => {
    const [ada, ben, cai, eve] = await Promise.all([newUser('Ada'), newUser('Ben'), newUser('Cai'), newUser('Eve')]);
    const { conversation } = await createGroup(ada, { title: 'Readers', handles: [ben.handle, cai.handle], message: 'hi' });
    const group = conversation.message_group_uuid;
    await expect(markRead(group, eve.uuid)).rejects.toThrow(NotFoundError);
    await removeMember(group, ada, cai.handle);
    await expect(markRead(group, cai.uuid)).rejects.toThrow(NotFoundError);
    expect(await getItem(keys.membership(group, cai.uuid))).toBeUndefined();
    await expect(markRead(group, ben.uuid, 'yesterday')).rejects.toThrow(ValidationError);
    await expect(markRead(group, ben.uuid, '2026-12-01T10:00:00')).rejects.toThrow(ValidationError);
  });

  it('race: concurrent marks at random message times and sends end at the newest time any of them asked for', async () => {
    const [ada, ben] = await Promise.all([newUser('Ada'), newUser('Ben')]);
    const first = await createMessageGroup(ada, ben.handle, 'm0');
    const group = first.message_group_uuid;
    const times = [first.created_at];
    for (let i = 1; i < 12; i++) times.push((await createMessage(group, ada, `m${i}`)).created_at);
    let previous = '';
    for (let round = 0; round < 5; round++) {
      const asked = Array.from({ length: 12 }, () => times[Math.floor(Math.random() * times.length)] as string);
      const results = await Promise.all([
        ...asked.map((t) => markRead(group, ben.uuid, t)),
        createMessage(group, ada, `r${round}`).then(() => undefined),
      ]);
      const marker = (await getItem(keys.membership(group, ben.uuid)))?.last_read_at as string;
      const best = [previous, ...asked].sort().at(-1) as string;
      expect(marker).toBe(best);
      // Every answer is a marker that was current at some point: never above the final one.
      for (const result of results) if (result) expect(String(result.last_read_at) <= marker).toBe(true);
      previous = marker;
    }
  });
});
