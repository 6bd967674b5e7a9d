/**
 * A team switching from the original Cruddur backend, on the offline stack (`npm start`):
 * the original's create_message writes into a conversation (boto3 put_item, an isoformat()
 * `+00:00` stamp; test/support/legacy.ts), and the stream emulation must apply it like one
 * of ours — both rows moved within the usual lag, nothing in the dead-letter file.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { canonicalTimestamp } from '../../domain/time';
import { legacyCreateMessage, legacyMessageItem, legacyPut, pythonIsoformat } from '../support/legacy';
import { api } from '../support/stack';
import { signedInUser, type SignedInUser } from './users';

/** A bound on the wait, not a speed assertion (the bench measures the lag). */
const DELIVERY_WAIT_MS = 10_000;
// The offline stand-in retries a failed record 5 times, 250 ms doubling (≈ 7.75 s), before
// its DLQ line: waiting this long after the writes is what "nothing was dead-lettered" needs.
const DEAD_LETTER_WINDOW_MS = 9_000;
// Where the stack's stream handler writes it (local/serverless-plugin.js default; the stack sets no LOCAL_DLQ_DIR).
const DLQ_FILE = path.join(__dirname, '..', '..', '.local', 'dlq', 'update-conversation-rows.jsonl');

interface Listed {
  uuid: string;
  handle: string;
  message: string;
  created_at: string;
}

async function listed(who: SignedInUser, group: string): Promise<Listed | undefined> {
  const response = await api('GET', '/api/message_groups', { token: who.token });
  expect(response.status).toBe(200);
  return (response.body as Listed[]).find((row) => row.uuid === group);
}

async function waitUntilListed(members: SignedInUser[], group: string, createdAt: string, timeoutMs: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    const rows = await Promise.all(members.map((m) => listed(m, group)));
    if (rows.every((row) => row?.created_at === createdAt)) return;
    if (Date.now() - started > timeoutMs)
      throw new Error(`not listed after ${timeoutMs} ms: ${JSON.stringify(rows)} (want ${createdAt})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function deadLettersFor(group: string): number {
  if (!existsSync(DLQ_FILE)) return 0;
  return readFileSync(DLQ_FILE, 'utf8')
    .split('\n')
    .filter((line) => line.includes(group)).length;
}

describe('the original backend writing into the table the offline stack serves', () => {
  it('its create_message into an existing conversation moves both rows via the stream, lists in time order over HTTP among mixed stamps, and nothing is dead-lettered', async () => {
    const [ada, ben] = await Promise.all([signedInUser('Ada'), signedInUser('Ben')]);
    const started = await api('POST', '/api/messages', {
      token: ada.token,
      json: { handle: ben.handle, message: 'ours: hello' },
    });
    expect(started.status).toBe(200);
    const group: string = started.body.message_group_uuid;
    // The first delivery pays the stream function's cold start.
    await waitUntilListed([ada, ben], group, started.body.created_at, 15_000);

    // A stamp of the same second without a fraction (as a JavaScript writer trimming it would
    // store): older than ours, yet it sorts after ours as a string.
    const ours: string = started.body.created_at;
    const sameSecond = `${ours.slice(0, 19)}Z`;
    await legacyPut(legacyMessageItem(group, sameSecond, 'theirs: same second, no fraction', ben.profile));
    // (Equal instants only if ours fell on a whole second; ties then go by the key string.)
    const sameSecondFirst = !ours.endsWith('.000000Z');

    // ddb.py create_message as Ben: sk = datetime.now(timezone.utc).astimezone().isoformat().
    const stamp = pythonIsoformat(Date.now() * 1000 + 1);
    await legacyCreateMessage(group, 'theirs: sent from the Flask app', ben.profile, stamp);
    const writtenAt = Date.now();
    // And one record pattern E can never apply: the original's older seed wrote naive stamps.
    await legacyPut(legacyMessageItem(group, '2026-01-01T00:00:00.000001', 'naive stamp', ben.profile));

    await waitUntilListed([ada, ben], group, canonicalTimestamp(stamp), DELIVERY_WAIT_MS);
    expect(await listed(ada, group)).toMatchObject({ handle: ben.handle, message: 'theirs: sent from the Flask app' });
    expect(await listed(ben, group)).toMatchObject({ handle: ada.handle, message: 'theirs: sent from the Flask app' });

    const messages = await api('GET', `/api/messages/${group}`, { token: ada.token });
    expect(messages.status).toBe(200);
    const sameSecondListed = ['theirs: same second, no fraction', canonicalTimestamp(sameSecond)];
    expect(messages.body.map((m: Listed) => [m.message, m.created_at])).toEqual([
      ...(sameSecondFirst ? [sameSecondListed] : []),
      ['ours: hello', ours],
      ...(sameSecondFirst ? [] : [sameSecondListed]),
      ['theirs: sent from the Flask app', canonicalTimestamp(stamp)],
    ]);

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, writtenAt + DEAD_LETTER_WINDOW_MS - Date.now())));
    expect(deadLettersFor(group)).toBe(0);
  }, 60_000);
});
