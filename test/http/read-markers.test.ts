/** Read markers (#17) over HTTP on the offline stack: default, explicit, monotonic, members only. */
import { api } from '../support/stack';
import { signedInUser, type SignedInUser } from './users';

describe('POST /api/message_groups/{uuid}/read', () => {
  let ada: SignedInUser;
  let ben: SignedInUser;
  let eve: SignedInUser;
  beforeAll(async () => {
    [ada, ben, eve] = await Promise.all([signedInUser('Ada R'), signedInUser('Ben R'), signedInUser('Eve R')]);
  });

  test('moves the marker to the newest message by default, to a given message time, and never back', async () => {
    const first = await api('POST', '/api/messages', { token: ada.token, json: { message: 'one', handle: ben.handle } });
    const group = first.body.message_group_uuid as string;
    const second = await api('POST', '/api/messages', { token: ada.token, json: { message: 'two', message_group_uuid: group } });
    const read = await api('POST', `/api/message_groups/${group}/read`, { token: ben.token, json: {} });
    expect([read.status, read.body]).toEqual([200, { uuid: group, last_read_at: second.body.created_at, unread_count: 0 }]);
    const back = await api('POST', `/api/message_groups/${group}/read`, {
      token: ben.token,
      json: { created_at: first.body.created_at },
    });
    expect([back.status, back.body.last_read_at]).toEqual([200, second.body.created_at]);
  });

  test("B shows each conversation's unread count and marker, and a read recounts it (messages by others after the marker)", async () => {
    const first = await api('POST', '/api/messages', { token: ada.token, json: { message: 'u1', handle: eve.handle } });
    const group = first.body.message_group_uuid as string;
    const second = await api('POST', '/api/messages', { token: ada.token, json: { message: 'u2', message_group_uuid: group } });
    await api('POST', '/api/messages', { token: ada.token, json: { message: 'u3', message_group_uuid: group } });
    const itemOf = async (user: SignedInUser) => {
      // Pattern E runs on the stream: wait (bounded) for the row to reach the last message.
      for (let i = 0; i < 100; i++) {
        const list = await api('GET', '/api/message_groups', { token: user.token });
        const item = (list.body as Array<Record<string, unknown>>).find((g) => g.uuid === group);
        if (item?.message === 'u3') return item;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error('row never reached the last message');
    };
    expect(await itemOf(eve)).toEqual({
      uuid: group,
      display_name: ada.profile.display_name,
      handle: ada.handle,
      message: 'u3',
      created_at: expect.any(String),
      unread_count: 3,
      last_read_at: null,
    });
    expect(await itemOf(ada)).toMatchObject({ unread_count: 0, last_read_at: first.body.created_at });
    const read = await api('POST', `/api/message_groups/${group}/read`, {
      token: eve.token,
      json: { created_at: second.body.created_at },
    });
    expect(read.body).toEqual({ uuid: group, last_read_at: second.body.created_at, unread_count: 1 });
    expect(await itemOf(eve)).toMatchObject({ unread_count: 1, last_read_at: second.body.created_at });
  });

  test('a non-member gets 404 and a bad time 400, both as JSON errors', async () => {
    const first = await api('POST', '/api/messages', { token: ada.token, json: { message: 'x', handle: ben.handle } });
    const group = first.body.message_group_uuid as string;
    const outsider = await api('POST', `/api/message_groups/${group}/read`, { token: eve.token, json: {} });
    expect([outsider.status, outsider.body.error?.code]).toEqual([404, 'not_found']);
    const bad = await api('POST', `/api/message_groups/${group}/read`, { token: ben.token, json: { created_at: 'soon' } });
    expect([bad.status, bad.body.error?.code]).toEqual([400, 'validation_error']);
  });
});
