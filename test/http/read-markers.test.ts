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
    expect([read.status, read.body]).toEqual([200, { uuid: group, last_read_at: second.body.created_at }]);
    const back = await api('POST', `/api/message_groups/${group}/read`, {
      token: ben.token,
      json: { created_at: first.body.created_at },
    });
    expect([back.status, back.body.last_read_at]).toEqual([200, second.body.created_at]);
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
