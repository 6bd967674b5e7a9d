/**
 * Helpers shared by the reliability test files: users signed up through the real local
 * Cognito (the PostConfirmation trigger creates their profiles), HTTP calls with a bounded
 * time, whole-table scans and bounded waits. The stack itself is test/support/stack.ts's.
 */
import { randomUUID } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../../domain/dynamodb';
import { keys } from '../../domain/keys';
import { login, signUp, stack } from '../support/stack';
import { partition } from '../support/fixtures';

export const REQUEST_TIMEOUT_MS = 15_000;

export interface Client {
  email: string;
  handle: string;
  display_name: string;
  uuid: string;
  accessToken: string;
  idToken: string;
}

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
  text: string;
  ms: number;
}

/** One request to the offline API; never hangs longer than `timeoutMs` (that is a failure). */
export async function call(
  method: string,
  urlPath: string,
  options: { token?: string; json?: unknown; raw?: string | Buffer; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | Buffer | undefined = options.raw;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] ??= 'application/json';
  }
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
  let response: Response;
  try {
    response = await fetch(`${stack().apiUrl}${urlPath}`, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new Error(`${method} ${urlPath}: no response within ${timeoutMs} ms (${(error as Error).message})`);
  }
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: response.status, headers: response.headers, body: parsed, text, ms: Date.now() - started };
}

export function uniqueHandle(prefix: string): string {
  return `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
}

/** A new Cruddur user: Cognito sign-up + confirmation (trigger → profile), then login. */
export async function newClient(prefix = 'rel'): Promise<Client> {
  const handle = uniqueHandle(prefix);
  const user = { email: `${handle}@example.com`, password: 'Reliable-Passw0rd', handle, display_name: `User ${handle}` };
  await signUp(user);
  const tokens = await login(user.email, user.password);
  const short = await call('GET', `/api/users/@${handle}/short`);
  if (short.status !== 200) throw new Error(`profile of ${handle} not created (GET short → ${short.status} ${short.text})`);
  return { email: user.email, handle, display_name: user.display_name, uuid: short.body.uuid, ...tokens };
}

/** Starts (or reuses) the conversation between `from` and `to`; returns its uuid. */
export async function conversation(from: Client, to: Client, text = 'hello'): Promise<string> {
  const reply = await call('POST', '/api/messages', { token: from.accessToken, json: { handle: to.handle, message: text } });
  if (reply.status !== 200) throw new Error(`starting ${from.handle}→${to.handle}: ${reply.status} ${reply.text}`);
  return reply.body.message_group_uuid as string;
}

export type Item = Record<string, unknown> & { pk: string; sk: string };

/** Every item of the table (all pages). */
export async function scanTable(): Promise<Item[]> {
  const items: Item[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  for (let page = 0; page < 10_000; page++) {
    const result = await db().send(new ScanCommand({ TableName: tableName(), ExclusiveStartKey, ConsistentRead: true }));
    items.push(...((result.Items ?? []) as Item[]));
    ExclusiveStartKey = result.LastEvaluatedKey;
    if (!ExclusiveStartKey) return items;
  }
  throw new Error('scan did not finish in 10,000 pages');
}

/**
 * Whether an item that vanished between two scans was expired by Time to Live (its
 * `expires_at`, epoch seconds, is past): the engine's sweep, like DynamoDB's TTL service, removes
 * it with no request, so it is nobody's write.
 */
export function expiredByTtl(item: Record<string, unknown>): boolean {
  return typeof item.expires_at === 'number' && item.expires_at <= Date.now() / 1000;
}

/** Items written or removed between two scans, as `written: pk sk` / `removed: pk sk` (TTL expiry is not a write). */
export function scanChanges(before: Item[], after: Item[]): string[] {
  const key = (item: Item) => `${item.pk} ${item.sk}`;
  const was = new Map(before.map((item) => [key(item), item]));
  const now = new Map(after.map((item) => [key(item), JSON.stringify(item)]));
  const changes: string[] = [];
  for (const [k, json] of now) if (JSON.stringify(was.get(k)) !== json) changes.push(`written: ${k}`);
  for (const [k, item] of was) if (!now.has(k) && !expiredByTtl(item)) changes.push(`removed: ${k}`);
  return changes;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value (not undefined) or `timeoutMs` passes (a failure naming `what`). */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`,
      );
    await sleep(intervalMs);
  }
}

/** Runs `tasks` with at most `limit` in flight. */
export async function inParallel<T, R>(items: T[], limit: number, run: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Waits until the table stops changing (the stream consumer has caught up): two equal scans in a row. */
export async function settledScan(timeoutMs = 30_000): Promise<Item[]> {
  let previous = JSON.stringify(await scanTable());
  return waitFor(
    'the table to settle (stream consumer idle)',
    timeoutMs,
    async () => {
      await sleep(400);
      const items = await scanTable();
      const now = JSON.stringify(items);
      if (now === previous) return items;
      previous = now;
      return undefined;
    },
    0,
  );
}

/** Every message item stored in one conversation (consistent read, all pages), oldest first. */
export async function storedMessages(groupUuid: string): Promise<Item[]> {
  return (await partition(keys.messagePartition(groupUuid))) as Item[];
}

/** Outcome of a batch of sends: what was acknowledged, and how the store compares. */
export interface Delivery {
  acknowledged: number;
  stored: number;
  lost: string[];
  duplicated: string[];
}

/**
 * Compares acknowledged sends with the store. `acknowledged` maps each send's unique text to
 * the message uuid its 200 returned. Lost = acknowledged but not stored (by uuid); duplicated
 * = a text stored more than once (a send that wrote twice). Sends that were not acknowledged
 * may or may not be stored; they are neither lost nor duplicated unless stored twice.
 */
export async function checkDelivery(
  groups: string[],
  acknowledged: Map<string, string>,
  isOurs: (text: string) => boolean,
): Promise<Delivery> {
  const stored = new Map<string, Item[]>();
  for (const group of groups) {
    for (const item of await storedMessages(group)) {
      const text = String(item.message);
      if (!isOurs(text)) continue;
      stored.set(text, [...(stored.get(text) ?? []), item]);
    }
  }
  const lost: string[] = [];
  for (const [text, uuid] of acknowledged) {
    const copies = stored.get(text) ?? [];
    if (!copies.some((item) => item.message_uuid === uuid)) lost.push(text);
  }
  const duplicated = [...stored].filter(([, copies]) => copies.length > 1).map(([text]) => text);
  const storedAcknowledged = [...acknowledged.keys()].filter((text) => (stored.get(text)?.length ?? 0) > 0).length;
  return { acknowledged: acknowledged.size, stored: storedAcknowledged, lost, duplicated };
}

/**
 * Problems with one conversation's rows against its newest stored message: each member must
 * have exactly one row for it (GRP#<member>, message_group_uuid = the group), at the newest
 * message's sk and text. Empty = exact.
 */
export function rowProblems(items: Item[], groupUuid: string, members: string[], newest: Item): string[] {
  const problems: string[] = [];
  const rows = items.filter((item) => item.message_group_uuid === groupUuid);
  for (const member of members) {
    const own = rows.filter((row) => row.pk === keys.conversationPartition(member));
    if (own.length !== 1) problems.push(`${groupUuid}: member ${member} has ${own.length} rows`);
    else if (own[0]!.sk !== newest.sk || own[0]!.message !== newest.message) {
      problems.push(
        `${groupUuid}: member ${member} row at ${own[0]!.sk} "${own[0]!.message}", newest is ${newest.sk} "${newest.message}"`,
      );
    }
  }
  if (rows.length !== members.length) problems.push(`${groupUuid}: ${rows.length} rows for ${members.length} members`);
  return problems;
}

/** The newest stored message of a conversation (by sort key = created_at). */
export async function newestMessage(groupUuid: string): Promise<Item> {
  const messages = await storedMessages(groupUuid);
  const newest = messages.reduce<Item | undefined>((a, b) => (a === undefined || b.sk > a.sk ? b : a), undefined);
  if (!newest) throw new Error(`conversation ${groupUuid} has no messages`);
  return newest;
}

/**
 * Waits until every conversation's rows are exact (the stream consumer caught up), then
 * until the table stops changing, and checks once more on that settled table. Returns the
 * remaining problems (empty = exact) and how long the catch-up took.
 */
export async function rowsCatchUp(
  conversations: Array<{ group: string; members: string[] }>,
  timeoutMs: number,
): Promise<{ problems: string[]; ms: number }> {
  const started = Date.now();
  const check = async () => {
    const items = await scanTable();
    const problems: string[] = [];
    for (const { group, members } of conversations)
      problems.push(...rowProblems(items, group, members, await newestMessage(group)));
    return problems;
  };
  let problems: string[] = [];
  try {
    await waitFor(
      'conversation rows at their newest message',
      timeoutMs,
      async () => {
        problems = await check();
        return problems.length === 0 ? true : undefined;
      },
      250,
    );
  } catch {
    return { problems, ms: Date.now() - started };
  }
  const ms = Date.now() - started;
  await settledScan();
  return { problems: await check(), ms };
}

/**
 * The message uuid when `reply` acknowledges sending `text`: a 200 whose body is that
 * message. serverless-offline answers a Lambda timeout with a 200 and an error body, so
 * the status alone does not prove the send.
 */
export function acknowledgedUuid(reply: Reply, text: string): string | undefined {
  const body = reply.body;
  if (reply.status !== 200 || !body || typeof body !== 'object') return undefined;
  return typeof body.uuid === 'string' && body.message === text && typeof body.created_at === 'string' ? body.uuid : undefined;
}
