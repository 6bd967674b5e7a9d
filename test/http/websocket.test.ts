/**
 * Realtime delivery on the offline stack: serverless-offline's WebSocket server runs
 * handlers/ws/*, the stream emulation runs handlers/stream/push-events, which posts through
 * serverless-offline's @connections management API — the path `npm start` serves.
 */
import { createSign } from 'node:crypto';
import fc from 'fast-check';
import { registerConnection } from '../../domain/connections';
import { keys } from '../../domain/keys';
import { partition } from '../support/fixtures';
import { api, foreignClientAccessToken, stack } from '../support/stack';
import { signedInUser, type SignedInUser } from './users';

/** A bound on the wait, not a speed assertion (push latency is a bench figure). */
const DELIVERY_WAIT_MS = 10_000;

const cognitoLocalKey: { pem: string } = require('cognito-local/lib/keys/cognitoLocal.private.json');

interface PushEvent {
  type: string;
  id: string;
  message_group_uuid?: string;
  message?: { uuid: string; display_name: string; handle: string; message: string; created_at: string };
  conversation?: {
    uuid: string;
    display_name: string;
    handle: string;
    message: string;
    created_at: string;
    unread_count?: number;
    last_read_at?: string | null;
  };
  last_read_at?: string;
}

class Client {
  readonly events: PushEvent[] = [];
  private waiters: Array<() => void> = [];
  constructor(private readonly socket: WebSocket) {
    socket.onmessage = (message) => {
      this.events.push(JSON.parse(String(message.data)) as PushEvent);
      for (const wake of this.waiters) wake();
    };
  }

  /** Resolves once `done(events)` holds; rejects after the bound with what arrived. */
  waitFor(done: (events: PushEvent[]) => boolean, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done(this.events)) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`${what}: not received within ${DELIVERY_WAIT_MS} ms; got ${JSON.stringify(this.events)}`));
      }, DELIVERY_WAIT_MS);
      this.waiters.push(check);
      check();
    });
  }

  send(frame: string): void {
    this.socket.send(frame);
  }

  sendBinary(frame: Uint8Array): void {
    this.socket.send(frame);
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.addEventListener('close', () => resolve());
      this.socket.close(1000);
    });
  }
}

const open: Client[] = [];
afterAll(async () => {
  await Promise.all(open.map((client) => client.close()));
});

/** Connects with `Sec-WebSocket-Protocol: <protocols>`; rejects when the upgrade is refused. */
function connectWith(protocols: string[]): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(stack().websocketUrl, protocols);
    socket.onopen = () => {
      const client = new Client(socket);
      open.push(client);
      resolve(client);
    };
    socket.onerror = () => reject(new Error('connection refused'));
  });
}

const connect = (user: SignedInUser) => connectWith(['cruddur.v1', user.token]);

async function registryOf(user: SignedInUser) {
  return partition(keys.userConnectionsPartition(user.profile.uuid));
}

/** Registry items are written by $connect before the upgrade completes, removed by $disconnect after the close. */
async function waitForRegistry(user: SignedInUser, count: number): Promise<void> {
  const started = Date.now();
  while ((await registryOf(user)).length !== count) {
    if (Date.now() - started > DELIVERY_WAIT_MS) throw new Error(`registry of ${user.handle} never held ${count} connections`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function startConversation(from: SignedInUser, to: SignedInUser, text: string): Promise<{ group: string; uuid: string }> {
  const response = await api('POST', '/api/messages', { token: from.token, json: { handle: to.handle, message: text } });
  expect(response.status).toBe(200);
  return { group: response.body.message_group_uuid, uuid: response.body.uuid };
}

async function send(from: SignedInUser, group: string, text: string): Promise<string> {
  const response = await api('POST', '/api/messages', { token: from.token, json: { message_group_uuid: group, message: text } });
  expect(response.status).toBe(200);
  return response.body.uuid as string;
}

const created = (uuid: string) => (events: PushEvent[]) =>
  events.some((e) => e.type === 'message.created' && e.message?.uuid === uuid);

describe('WebSocket push (offline stack)', () => {
  test("a message sent over HTTP reaches the other member's socket as message.created, and each member's row as conversation.updated", async () => {
    const [ada, ben] = await Promise.all([signedInUser('Ada Socket'), signedInUser('Ben Socket')]);
    const [adaSocket, benSocket] = await Promise.all([connect(ada), connect(ben)]);
    const { group, uuid } = await startConversation(ada, ben, 'hello over the socket');

    await benSocket.waitFor(created(uuid), 'message.created at ben');
    const event = benSocket.events.find((e) => e.type === 'message.created');
    expect(event).toEqual({
      type: 'message.created',
      id: `message.created:${uuid}`,
      message_group_uuid: group,
      message: {
        uuid,
        display_name: 'Ada Socket',
        handle: ada.handle,
        message: 'hello over the socket',
        created_at: expect.any(String),
      },
    });
    // Ben's own row: the B item shape, the other person (Ada) and the last message.
    await benSocket.waitFor((events) => events.some((e) => e.type === 'conversation.updated'), 'conversation.updated at ben');
    expect(benSocket.events.find((e) => e.type === 'conversation.updated')).toEqual({
      type: 'conversation.updated',
      id: expect.stringMatching(new RegExp(`^conversation\\.updated:${group}@`)),
      conversation: {
        uuid: group,
        display_name: 'Ada Socket',
        handle: ada.handle,
        message: 'hello over the socket',
        created_at: event?.message?.created_at,
        // #17: Ben has not read it yet.
        unread_count: 1,
        last_read_at: null,
      },
    });
    // The sender's other devices learn of it too; her row names Ben.
    await adaSocket.waitFor(created(uuid), 'message.created at ada');
    await adaSocket.waitFor((events) => events.some((e) => e.conversation?.handle === ben.handle), 'conversation.updated at ada');
  });

  test("a read reaches the reader's own devices as conversation.read and the recounted row, and never the other member", async () => {
    const [ada, ben] = await Promise.all([signedInUser('Ada Reads'), signedInUser('Ben Reads')]);
    const [adaSocket, benPhone, benLaptop] = await Promise.all([connect(ada), connect(ben), connect(ben)]);
    const { group, uuid } = await startConversation(ada, ben, 'read this');
    await Promise.all([benPhone, benLaptop, adaSocket].map((s) => s.waitFor(created(uuid), 'message everywhere')));
    const read = await api('POST', `/api/message_groups/${group}/read`, { token: ben.token, json: {} });
    expect(read.status).toBe(200);
    const at = read.body.last_read_at as string;
    for (const socket of [benPhone, benLaptop]) {
      await socket.waitFor((events) => events.some((e) => e.type === 'conversation.read'), 'conversation.read at ben');
      await socket.waitFor(
        (events) => events.some((e) => e.type === 'conversation.updated' && e.conversation?.unread_count === 0),
        'the recounted row at ben',
      );
      expect(socket.events.find((e) => e.type === 'conversation.read')).toEqual({
        type: 'conversation.read',
        id: `conversation.read:${group}@${at}`,
        message_group_uuid: group,
        last_read_at: at,
      });
    }
    // Ada's own later message reaches her after anything of Ben's read would have (one shard, in order).
    const next = await send(ada, group, 'after the read');
    await adaSocket.waitFor(created(next), 'ada sees her next message');
    // Nothing of Ben's read: no conversation.read, and no row of Ben's (his names Ada).
    expect(adaSocket.events.filter((e) => e.type === 'conversation.read' || e.conversation?.handle === ada.handle)).toEqual([]);
  });

  test("a non-member's socket gets nothing of a conversation, while it does get its own (stream order: those come later)", async () => {
    const [ada, ben, carol, dan] = await Promise.all([
      signedInUser('Ada'),
      signedInUser('Ben'),
      signedInUser('Carol'),
      signedInUser('Dan'),
    ]);
    const [benSocket, carolSocket] = await Promise.all([connect(ben), connect(carol)]);
    const { group } = await startConversation(ada, ben, 'just us two');
    const secret = await send(ada, group, 'still just us');
    await benSocket.waitFor(created(secret), 'message at ben');
    // Carol's own conversation, written after the others: once its events reach her, any
    // event of Ada and Ben's conversation would have reached her too (one shard, in order).
    const own = await startConversation(dan, carol, 'hi carol');
    await carolSocket.waitFor(created(own.uuid), "carol's own message");
    await carolSocket.waitFor((events) => events.some((e) => e.type === 'conversation.updated'), "carol's own row");
    const foreign = carolSocket.events.filter(
      (e) => e.message_group_uuid === group || e.conversation?.uuid === group || JSON.stringify(e).includes('just us'),
    );
    expect(foreign).toEqual([]);
    expect(new Set(carolSocket.events.map((e) => e.message_group_uuid ?? e.conversation?.uuid))).toEqual(new Set([own.group]));
  });

  test('every connection of a user gets each event, with the same id; a closed one is removed from the registry and gets nothing more', async () => {
    const [ada, ben] = await Promise.all([signedInUser('Ada'), signedInUser('Ben')]);
    const sockets = await Promise.all([connect(ben), connect(ben), connect(ben)]);
    expect(await registryOf(ben)).toHaveLength(3);
    const { group, uuid } = await startConversation(ada, ben, 'to all your devices');
    await Promise.all(sockets.map((s) => s.waitFor(created(uuid), 'message on every device')));
    const ids = sockets.map((s) => s.events.find((e) => e.type === 'message.created')?.id);
    expect(new Set(ids)).toEqual(new Set([`message.created:${uuid}`]));

    const [closed, ...still] = sockets as [Client, Client, Client];
    await closed.close();
    await waitForRegistry(ben, 2);
    const next = await send(ada, group, 'after one device left');
    await Promise.all(still.map((s) => s.waitFor(created(next), 'message on the remaining devices')));
    expect(closed.events.some((e) => e.message?.uuid === next)).toBe(false);
  });

  test('a registered connection that no longer exists (410 Gone) is deleted, and delivery to the live ones goes on', async () => {
    const [ada, ben] = await Promise.all([signedInUser('Ada'), signedInUser('Ben')]);
    const live = await connect(ben);
    const ghost = 'ghost-connection-0001';
    await registerConnection({ connectionId: ghost, userUuid: ben.profile.uuid });
    expect(await registryOf(ben)).toHaveLength(2);
    const { uuid } = await startConversation(ada, ben, 'anyone there?');
    await live.waitFor(created(uuid), 'message at the live socket');
    await waitForRegistry(ben, 1);
    expect(await partition(keys.connection(ghost).pk)).toEqual([]);
  });

  test('$default answers {"type":"ping"} with {"type":"pong"} and any other frame with an error frame', async () => {
    const user = await signedInUser();
    const socket = await connect(user);
    socket.send(JSON.stringify({ type: 'ping' }));
    await socket.waitFor((events) => events.some((e) => e.type === 'pong'), 'pong');
    socket.send('not json at all');
    socket.send(JSON.stringify({ type: 'message.created', message: 'spoof' }));
    await socket.waitFor((events) => events.filter((e) => e.type === 'error').length === 2, 'two error frames');
  });

  test('fuzzed frames (random text, JSON, binary, oversized) get error frames only; the connection survives and still answers ping', async () => {
    const user = await signedInUser();
    const socket = await connect(user);
    const frames = fc.sample(
      fc.oneof(
        fc.string({ maxLength: 200 }),
        fc.json({ maxDepth: 3 }),
        fc.constant('x'.repeat(5000)),
        fc.constant('{"type":"ping"'),
      ),
      { numRuns: 100, seed: 15 },
    );
    const nonEmpty = frames.filter((frame) => frame.length > 0 && frame !== '{"type":"ping"}');
    for (const frame of nonEmpty) socket.send(frame);
    socket.sendBinary(new Uint8Array([0, 159, 146, 150, 255]));
    await socket.waitFor(
      (events) => events.filter((e) => e.type === 'error').length === nonEmpty.length + 1,
      'one error frame per fuzzed frame',
    );
    expect(socket.events.every((e) => e.type === 'error')).toBe(true);
    socket.send(JSON.stringify({ type: 'ping' }));
    await socket.waitFor((events) => events.some((e) => e.type === 'pong'), 'pong after the fuzz');
    expect(await registryOf(user)).toHaveLength(1);
  });

  test('a socket dropped in the middle of a burst: the others get every message, and the dropped one leaves the registry', async () => {
    const [ada, ben] = await Promise.all([signedInUser('Ada'), signedInUser('Ben')]);
    const [dropped, ...kept] = (await Promise.all([connect(ben), connect(ben), connect(ben)])) as [Client, Client, Client];
    const { group, uuid: first } = await startConversation(ada, ben, 'burst start');
    const sending = Promise.all(Array.from({ length: 30 }, (_, i) => send(ada, group, `drop ${i}`)));
    await dropped.waitFor(created(first), 'the first message before the drop');
    await dropped.close();
    const sent = [first, ...(await sending)];
    const all = (events: PushEvent[]) =>
      sent.every((uuid) => events.some((e) => e.type === 'message.created' && e.message?.uuid === uuid));
    await Promise.all(kept.map((socket) => socket.waitFor(all, 'every message at the kept sockets')));
    await waitForRegistry(ben, 2);
  });

  describe('refused at $connect, with nothing stored', () => {
    let user: SignedInUser;
    beforeAll(async () => {
      user = await signedInUser();
    });
    const claims = () =>
      JSON.parse(Buffer.from(user.token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    const sign = (payload: Record<string, unknown>) => {
      const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const unsigned = `${encode({ alg: 'RS256', typ: 'JWT', kid: 'CognitoLocal' })}.${encode(payload)}`;
      return `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(cognitoLocalKey.pem).toString('base64url')}`;
    };

    const cases: Array<[string, () => Promise<string[]>]> = [
      ['no token', async () => ['cruddur.v1']],
      ['no subprotocol at all', async () => []],
      ['a token without the cruddur.v1 protocol', async () => [user.token]],
      [
        'a forged signature',
        async () => [
          'cruddur.v1',
          `${user.token.slice(0, user.token.lastIndexOf('.'))}.${Buffer.from('forged').toString('base64url')}`,
        ],
      ],
      [
        'an expired token (validly signed)',
        async () => [
          'cruddur.v1',
          sign({ ...claims(), iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 }),
        ],
      ],
      ['an ID token', async () => ['cruddur.v1', user.idToken]],
      [
        'an access token of another app client of the pool',
        async () => ['cruddur.v1', await foreignClientAccessToken(user.email, user.password)],
      ],
    ];

    test.each(cases)('%s', async (_name, protocols) => {
      await expect(connectWith(await protocols())).rejects.toThrow('connection refused');
      expect(await registryOf(user)).toEqual([]);
    });

    test("while the same user's real access token is accepted (the refusals are for the token, not the setup)", async () => {
      const socket = await connect(user);
      expect(await registryOf(user)).toHaveLength(1);
      await socket.close();
      await waitForRegistry(user, 0);
    });
  });

  test('100 concurrent sends: each reaches every member connection, none reaches a non-member, and duplicates only ever repeat an id', async () => {
    const [ada, ben, carol, dan] = await Promise.all([
      signedInUser('Ada'),
      signedInUser('Ben'),
      signedInUser('Carol'),
      signedInUser('Dan'),
    ]);
    const members = await Promise.all([connect(ada), connect(ada), connect(ben)]);
    const outsider = await connect(carol);
    const { group, uuid: first } = await startConversation(ada, ben, 'burst 0');
    const sent = [
      first,
      ...(await Promise.all(Array.from({ length: 99 }, (_, i) => send(i % 2 ? ada : ben, group, `burst ${i + 1}`)))),
    ];

    const allArrived = (events: PushEvent[]) => {
      const got = new Set(events.filter((e) => e.type === 'message.created').map((e) => e.message?.uuid));
      return sent.every((uuid) => got.has(uuid));
    };
    await Promise.all(members.map((m) => m.waitFor(allArrived, 'all 100 messages')));
    for (const socket of members) {
      const byId = new Map<string, string>();
      for (const event of socket.events) {
        const seen = byId.get(event.id);
        // A repeated id is the same event, byte for byte.
        if (seen !== undefined) expect(JSON.stringify(event)).toBe(seen);
        byId.set(event.id, JSON.stringify(event));
        if (event.type === 'message.created') expect(event.id).toBe(`message.created:${event.message?.uuid}`);
      }
      expect(socket.events.filter((e) => e.type === 'message.created' && e.message_group_uuid !== group)).toEqual([]);
    }
    const own = await startConversation(dan, carol, 'after the burst');
    await outsider.waitFor(created(own.uuid), "carol's own message");
    expect(outsider.events.filter((e) => e.message_group_uuid === group || e.conversation?.uuid === group)).toEqual([]);
  }, 60_000);
});
