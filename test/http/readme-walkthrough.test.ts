/**
 * The README's "Try it with curl" walkthrough, step by step, on a stack started as `npm start`
 * starts it (seeded, demo users signed up in the local Cognito through PostConfirmation).
 */
import { demoConversations, demoUsers } from '../../seeds/demo-data';
import { api, login } from '../support/stack';

const [longConversation] = demoConversations;
const GROUP = longConversation!.message_group_uuid;

async function demoToken(user: { email: string; password: string }): Promise<string> {
  return (await login(user.email, user.password)).accessToken;
}

describe('README walkthrough on the seeded stack', () => {
  test('the public lookup finds the seeded @ben', async () => {
    const res = await api('GET', '/api/users/@ben/short');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ uuid: demoUsers.ben.uuid, handle: 'ben', display_name: 'Ben Lindqvist' });
  });

  test('a demo user logs in with the documented password and sees the seeded conversations, newest first', async () => {
    const res = await api('GET', '/api/message_groups', { token: await demoToken(demoUsers.ada) });
    expect(res.status).toBe(200);
    const handles = (res.body as Array<{ uuid: string; handle: string }>).map((g) => [g.uuid, g.handle]);
    expect(handles).toEqual(
      expect.arrayContaining([
        [GROUP, 'ben'],
        [demoConversations[1]!.message_group_uuid, 'chioma'],
      ]),
    );
  });

  test('the long conversation pages with X-Next-Cursor, oldest first within a page', async () => {
    const token = await demoToken(demoUsers.ada);
    const first = await api('GET', `/api/messages/${GROUP}?limit=10`, { token });
    expect(first.status).toBe(200);
    expect(first.body.at(-1).message).toBe(longConversation!.lines.at(-1)![1]);
    const cursor = first.headers.get('x-next-cursor');
    expect(cursor).toEqual(expect.any(String));
    const older = await api('GET', `/api/messages/${GROUP}?limit=10&cursor=${cursor}`, { token });
    expect(older.status).toBe(200);
    expect(older.body.at(-1).created_at < first.body[0].created_at).toBe(true);
  });

  test('sending into the conversation moves it to the top of both lists; starting one by handle works', async () => {
    const [ada, ben, chioma] = await Promise.all([
      demoToken(demoUsers.ada),
      demoToken(demoUsers.ben),
      demoToken(demoUsers.chioma),
    ]);
    const sent = await api('POST', '/api/messages', {
      token: ada,
      json: { message: 'See you Saturday', message_group_uuid: GROUP },
    });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ handle: 'ada', message: 'See you Saturday' });

    const started = await api('POST', '/api/messages', { token: ben, json: { message: 'Hi Chioma!', handle: 'chioma' } });
    expect(started.status).toBe(200);
    const chiomaGroup = started.body.message_group_uuid;

    // Starting a conversation writes both rows in its own transaction: both lists show it at once.
    const list = async (token: string) =>
      (await api('GET', '/api/message_groups', { token })).body as Array<{ uuid: string; message: string }>;
    expect((await list(chioma))[0]).toMatchObject({ uuid: chiomaGroup, message: 'Hi Chioma!' });
    expect((await list(ben))[0]).toMatchObject({ uuid: chiomaGroup, message: 'Hi Chioma!' });

    // A send into an existing conversation reaches the lists through pattern E on the local
    // stream: poll (bounded) until Ada's and Ben's rows for it show the new message.
    const rowOf = async (token: string) => (await list(token)).find((g) => g.uuid === GROUP)?.message;
    const deadline = Date.now() + 10_000;
    while ((await rowOf(ada)) !== 'See you Saturday' || (await rowOf(ben)) !== 'See you Saturday') {
      if (Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await rowOf(ada)).toBe('See you Saturday');
    expect(await rowOf(ben)).toBe('See you Saturday');
  });

  test('chioma cannot read the conversation of ada and ben', async () => {
    const res = await api('GET', `/api/messages/${GROUP}`, { token: await demoToken(demoUsers.chioma) });
    expect(res.status).toBe(404);
  });
});
