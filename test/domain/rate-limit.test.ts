/** The per-user send rate limit (domain/rate-limit.ts): a fixed window counted in the send's own transaction. */
import { resetConfigForTests } from '../../domain/config';
import { createMessage } from '../../domain/create-message';
import { createMessageGroup } from '../../domain/create-message-group';
import { RateLimitedError } from '../../domain/errors';
import { keys } from '../../domain/keys';
import { setClockForTests } from '../../domain/time';
import { getItem, newUser, partition } from '../support/fixtures';

const LIMIT = 3;
const WINDOW_S = 60;
// The start of a window (a multiple of 60 s), in the future so no other test's counters share it.
const WINDOW_START_MS = 1_900_000_020_000 - (1_900_000_020_000 % (WINDOW_S * 1000));
let now = WINDOW_START_MS;

beforeAll(() => {
  process.env.SEND_RATE_LIMIT = String(LIMIT);
  process.env.SEND_RATE_WINDOW_SECONDS = String(WINDOW_S);
  resetConfigForTests();
});
afterAll(() => {
  delete process.env.SEND_RATE_LIMIT;
  delete process.env.SEND_RATE_WINDOW_SECONDS;
  resetConfigForTests();
});
beforeEach(() => {
  now = WINDOW_START_MS + 5_000;
  setClockForTests({ nowMs: () => now });
});
afterEach(() => setClockForTests(undefined));

async function conversation() {
  const [ada, ben] = await Promise.all([newUser('Ada'), newUser('Ben')]);
  const { message_group_uuid: group } = await createMessageGroup(ada, ben.handle, 'first'); // Ada: 1 of 3
  return { ada, ben, group };
}

describe('send rate limit', () => {
  it('refuses the send over the limit with a 429 and the seconds to the window’s end, writing nothing', async () => {
    const { ada, group } = await conversation();
    await createMessage(group, ada, 'two');
    await createMessage(group, ada, 'three');
    const over = createMessage(group, ada, 'four');
    await expect(over).rejects.toThrow(RateLimitedError);
    await expect(over).rejects.toMatchObject({ statusCode: 429, retryAfterSeconds: WINDOW_S - 5 });
    expect((await partition(keys.messagePartition(group))).map((m) => m.message)).toEqual(['first', 'two', 'three']);
    expect((await getItem(keys.sendWindow(ada.uuid, WINDOW_START_MS / 1000)))?.sends).toBe(LIMIT);
  });

  it('counts per user: one user at the limit does not slow another down', async () => {
    const { ada, ben, group } = await conversation();
    await createMessage(group, ada, 'two');
    await createMessage(group, ada, 'three');
    await expect(createMessage(group, ada, 'four')).rejects.toThrow(RateLimitedError);
    for (const text of ['b1', 'b2', 'b3']) await createMessage(group, ben, text);
    await expect(createMessage(group, ben, 'b4')).rejects.toThrow(RateLimitedError);
  });

  it('starting a conversation counts too, and over the limit creates no conversation', async () => {
    const { ada } = await conversation();
    const [cy, dee, eve] = await Promise.all([newUser('Cy'), newUser('Dee'), newUser('Eve')]);
    await createMessageGroup(ada, cy.handle, 'hi');
    await createMessageGroup(ada, dee.handle, 'hi');
    await expect(createMessageGroup(ada, eve.handle, 'hi')).rejects.toThrow(RateLimitedError);
    expect(await getItem(keys.pair(ada.uuid, eve.uuid))).toBeUndefined();
    expect(await partition(keys.conversationPartition(eve.uuid))).toEqual([]);
  });

  it('the next window allows sending again', async () => {
    const { ada, group } = await conversation();
    await createMessage(group, ada, 'two');
    await createMessage(group, ada, 'three');
    await expect(createMessage(group, ada, 'four')).rejects.toThrow(RateLimitedError);
    now = WINDOW_START_MS + WINDOW_S * 1000;
    await expect(createMessage(group, ada, 'next window')).resolves.toMatchObject({ message: 'next window' });
  });

  it('an idempotent retry of an accepted send is answered from its record even with the window full, and counts nothing', async () => {
    const { ada, group } = await conversation();
    const sent = await createMessage(group, ada, 'two', { idempotencyKey: 'retry-me' });
    await createMessage(group, ada, 'three');
    await expect(createMessage(group, ada, 'two', { idempotencyKey: 'retry-me' })).resolves.toEqual(sent);
    expect((await getItem(keys.sendWindow(ada.uuid, WINDOW_START_MS / 1000)))?.sends).toBe(LIMIT);
  });

  it('a concurrent burst from one user stores exactly the limit', async () => {
    const { ada, group } = await conversation();
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => createMessage(group, ada, `burst ${i}`)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(LIMIT - 1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(RateLimitedError);
    expect(await partition(keys.messagePartition(group))).toHaveLength(LIMIT);
  });
});
