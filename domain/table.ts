/**
 * The one module that reads and writes the table: every request names the table here, every
 * "only if this key is free" is written here, transactions are built from NAMED actions and
 * their cancellation reasons come back BY NAME, and paged reads (a page with look-ahead and
 * cursor, or every page) are one helper each. Domain modules say what they read and write;
 * this module says how.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
  type QueryCommandInput,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { decodeCursor, encodeCursor, type CursorScope } from './cursor';
import { cacheableReads, db, tableName } from './dynamodb';
import { ServiceUnavailableError } from './errors';
import type { Key } from './keys';
import { compareTimestamps, timestampMicros, timestampSecond } from './time';

export type Item = Record<string, unknown>;
/** One action of a TransactWriteItems request. */
export type TransactAction = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

const KEY_IS_FREE = 'attribute_not_exists(pk)';
const CONFLICT_RETRIES = 5;
const BATCH_WRITE_MAX = 25;

interface Condition {
  /** ConditionExpression */
  if: string;
  values?: Record<string, unknown>;
  /** ExpressionAttributeNames, for attributes named by a reserved word (`role`). */
  names?: Record<string, string>;
}

/** The condition part of a conditional action, on this table. */
function conditional(condition: Condition) {
  return {
    TableName: tableName(),
    ConditionExpression: condition.if,
    ...(condition.values ? { ExpressionAttributeValues: condition.values } : {}),
    ...(condition.names ? { ExpressionAttributeNames: condition.names } : {}),
  };
}

// Transaction actions, each on this table. Separate functions rather than one object, so a
// bundle holds only the kinds of write its function makes (test/template/iam.test.ts derives
// each function's IAM grants from its bundle).

/** Put `item` only if its key is free; `returnOld`: a failed condition returns the item there. */
export function putIfAbsentAction(item: object, options: { returnOld?: boolean } = {}): TransactAction {
  return {
    Put: {
      TableName: tableName(),
      Item: item as Item,
      ConditionExpression: KEY_IS_FREE,
      ...(options.returnOld ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } : {}),
    },
  };
}

/** Put `item` if `condition` holds; a failed condition returns the item there. */
export function putIfAction(item: object, condition: Condition): TransactAction {
  return {
    Put: { ...conditional(condition), Item: item as Item, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' },
  };
}

/** `returnOld`: a failed condition returns the item there (its error's `item(name)`). */
export function updateAction(
  key: Key,
  update: string,
  condition: Condition,
  options: { returnOld?: boolean } = {},
): TransactAction {
  return {
    Update: {
      ...conditional(condition),
      Key: key,
      UpdateExpression: update,
      ...(options.returnOld ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } : {}),
    },
  };
}

export function deleteIfAction(key: Key, condition: Condition): TransactAction {
  return {
    Delete: { ...conditional(condition), Key: key },
  };
}

/** Writes nothing; cancels the transaction unless `condition` holds on the item at `key`. */
export function conditionCheckAction(key: Key, condition: Condition): TransactAction {
  return {
    ConditionCheck: { ...conditional(condition), Key: key },
  };
}

export interface CancellationReason {
  code: string;
  /** The item as it was, when the action asked for it on a failed condition. */
  item?: Item;
}

/** A cancelled transaction, its reasons keyed by the names the actions were given. */
export class TransactionCancelledError<N extends string = string> extends Error {
  override name = 'TransactionCancelledError';
  constructor(
    readonly reasons: Partial<Record<N, CancellationReason>>,
    options: { cause: unknown },
  ) {
    super(
      `transaction cancelled: ${JSON.stringify(Object.fromEntries(Object.entries(reasons).map(([n, r]) => [n, (r as CancellationReason).code])))}`,
      options,
    );
  }

  /** True when the named action's condition failed. */
  failed(name: N): boolean {
    return this.reasons[name]?.code === 'ConditionalCheckFailed';
  }

  /** The item the named action found, when its condition failed and it asked for it. */
  item(name: N): Item | undefined {
    return this.failed(name) ? this.reasons[name]?.item : undefined;
  }

  /** Cancelled for another transaction in flight on the same items: contention, not a verdict. */
  get conflict(): boolean {
    return Object.values<CancellationReason | undefined>(this.reasons).some((reason) => reason?.code === 'TransactionConflict');
  }
}

export interface TransactOptions {
  /**
   * 'retry' (default): a conflict with another transaction is retried a few times with jittered
   * backoff, then is a ServiceUnavailableError. 'report': thrown at once, for callers that
   * re-read before they try again.
   */
  onConflict?: 'retry' | 'report';
}

/**
 * One TransactWriteItems of the named actions (undefined ones are left out), in the order given.
 * A cancellation throws TransactionCancelledError with the reasons by name.
 */
export async function transactWrite<N extends string>(
  actions: Record<N, TransactAction | undefined>,
  options: TransactOptions = {},
): Promise<void> {
  const named = (Object.entries(actions) as Array<[N, TransactAction | undefined]>).filter(
    (entry): entry is [N, TransactAction] => entry[1] !== undefined,
  );
  for (let tries = 1; ; tries++) {
    try {
      await db().send(new TransactWriteCommand({ TransactItems: named.map(([, a]) => a) }));
      return;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons: Partial<Record<N, CancellationReason>> = {};
      named.forEach(([name], i) => {
        const reason = error.CancellationReasons?.[i];
        reasons[name] = { code: reason?.Code ?? 'None', ...(reason?.Item ? { item: unmarshall(reason.Item) } : {}) };
      });
      const cancelled = new TransactionCancelledError(reasons, { cause: error });
      if (!cancelled.conflict || options.onConflict === 'report') throw cancelled;
      if (tries > CONFLICT_RETRIES) throw new ServiceUnavailableError('lasting write contention', { cause: cancelled });
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * 2 ** tries));
    }
  }
}

export async function getItem(
  key: Key,
  options: { consistent?: boolean; projection?: string; cacheable?: boolean } = {},
): Promise<Item | undefined> {
  // A strongly consistent read never goes through the cache, whatever the caller asked.
  const client = options.cacheable && !options.consistent ? await cacheableReads() : db();
  const { Item } = await client.send(
    new GetCommand({
      TableName: tableName(),
      Key: key,
      ...(options.consistent ? { ConsistentRead: true } : {}),
      ...(options.projection ? { ProjectionExpression: options.projection } : {}),
    }),
  );
  return Item;
}

/** Puts `item` if its key is free; false when it is taken (nothing written). */
export async function putIfAbsent(item: object): Promise<boolean> {
  try {
    await db().send(new PutCommand({ TableName: tableName(), Item: item as Item, ConditionExpression: KEY_IS_FREE }));
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

/** Equality on the partition key (`pk = <pk>`). */
export interface PartitionQuery {
  pk: string;
  consistent?: boolean;
  projection?: string;
}

function partitionInput(query: PartitionQuery): QueryCommandInput {
  return {
    TableName: tableName(),
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': query.pk },
    ...(query.consistent ? { ConsistentRead: true } : {}),
    ...(query.projection ? { ProjectionExpression: query.projection } : {}),
  };
}

/** Follows LastEvaluatedKey through every page of `input` (one request per page). */
async function everyPage(input: QueryCommandInput): Promise<Item[]> {
  const items: Item[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await db().send(new QueryCommand({ ...input, ExclusiveStartKey }));
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

/** Every item of a partition, every page. */
export async function queryAll(query: PartitionQuery): Promise<Item[]> {
  return everyPage(partitionInput(query));
}

/** Every item of a global secondary index whose hash key `attribute` equals `value`, every page. */
export async function queryIndexAll(index: string, attribute: string, value: string): Promise<Item[]> {
  const items: Item[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await db().send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: index,
        KeyConditionExpression: '#k = :k',
        ExpressionAttributeNames: { '#k': attribute },
        ExpressionAttributeValues: { ':k': value },
        ExclusiveStartKey,
      }),
    );
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

export interface PageQuery {
  /** The partition: `pk = <pk>`, whose sort key is a message timestamp in any accepted form (domain/time.ts). */
  pk: string;
  limit: number;
  /** An opaque cursor from an earlier page of the same list (`scope`), or undefined for the first page. */
  cursor: string | undefined;
  scope: CursorScope;
}

// Above every character that can follow the second in an accepted stamp ('.', '+', 'Z').
const END_OF_SECOND = '~';

/**
 * One page of a partition keyed by time, newest first BY INSTANT, with a cursor for the next.
 *
 * DynamoDB returns a partition in sort-key string order. That is time order except among keys
 * of one second written in different forms by us and by the original backend (`…:28Z` sorts
 * after `…:28.5…Z`, `….753Z` after `….753263Z`). So a page is read in string order and re-sorted
 * by instant (`compareTimestamps`), and it is only final once the read has gone past the second
 * of the page's last item: any key not read yet belongs to that second or an earlier one. One
 * extra item (limit + 2) makes that true in the common case, keeping it to 1 Query; keys bunched
 * in one second cost one more Query per further limit + 2 of them.
 *
 * The cursor carries the exact key of the page's oldest item; the next page reads the keys below
 * the end of that key's second (`sk < <second>~`) and keeps those older than it in the same total
 * order, so no key is skipped or repeated across pages. Keys that are not timestamps in an
 * accepted form have no place in time and are not returned. A cursor of another list is a
 * ValidationError (domain/cursor.ts).
 */
export async function queryPage(query: PageQuery): Promise<{ items: Item[]; nextCursor?: string }> {
  const { pk, limit } = query;
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, query.scope);
  const candidates: Array<Item & { sk: string }> = [];
  const instants = new Map<string, number>();
  let startKey: Record<string, unknown> | undefined;
  for (;;) {
    const page = await db().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: after === undefined ? 'pk = :pk' : 'pk = :pk AND sk < :below',
        ExpressionAttributeValues: {
          ':pk': pk,
          ...(after === undefined ? {} : { ':below': `${timestampSecond(after)}${END_OF_SECOND}` }),
        },
        ScanIndexForward: false,
        Limit: limit + 2,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      const micros = timestampMicros(item.sk);
      if (micros === undefined) continue;
      if (after !== undefined && compareTimestamps(item.sk as string, after) >= 0) continue;
      candidates.push(item as Item & { sk: string });
      instants.set(item.sk as string, micros);
    }
    startKey = page.LastEvaluatedKey;
    if (!startKey) break;
    // Everything not read yet sorts below the last key read, so its second is at most that one.
    const lastSecond = timestampSecond(String(startKey.sk));
    if (candidates.filter((item) => timestampSecond(item.sk) > lastSecond).length > limit) break;
  }
  // Newest first: by instant (each key parsed once, above), ties by the key string.
  candidates.sort(
    (a, b) => (instants.get(b.sk) as number) - (instants.get(a.sk) as number) || (a.sk < b.sk ? 1 : a.sk > b.sk ? -1 : 0),
  );
  const items = candidates.slice(0, limit);
  const last = items[items.length - 1];
  return { items, ...(candidates.length > limit && last ? { nextCursor: encodeCursor(query.scope, last.sk) } : {}) };
}

/** The whole table, page by page: 1 MB or `pageSize` items each. */
export async function* scanPages(options: { pageSize?: number; cacheable?: boolean } = {}): AsyncGenerator<Item[]> {
  const client = options.cacheable ? await cacheableReads() : db();
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: tableName(), ExclusiveStartKey, ...(options.pageSize ? { Limit: options.pageSize } : {}) }),
    );
    yield page.Items ?? [];
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
}

/**
 * A global secondary index, page by page (1 MB or `pageSize` items each), only `projection`'s
 * attributes. Apart from scanPages so a function's bundle shows which of the two it reads (the
 * IAM test derives index grants from the commands that name an IndexName).
 */
export async function* scanIndexPages(index: string, options: { pageSize?: number; projection: string }): AsyncGenerator<Item[]> {
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await db().send(
      new ScanCommand({
        TableName: tableName(),
        IndexName: index,
        ProjectionExpression: options.projection,
        ExclusiveStartKey,
        ...(options.pageSize ? { Limit: options.pageSize } : {}),
      }),
    );
    yield page.Items ?? [];
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
}

/** The first item of a partition in sort-key order (1 Query, 1 item), or undefined when it is empty. */
export async function firstItem(query: PartitionQuery): Promise<Item | undefined> {
  const { Items } = await db().send(new QueryCommand({ ...partitionInput(query), Limit: 1 }));
  return Items?.[0];
}

/** The last item of a partition in sort-key order (1 Query, 1 item), or undefined when it is empty. */
export async function lastItem(query: PartitionQuery): Promise<Item | undefined> {
  const { Items } = await db().send(new QueryCommand({ ...partitionInput(query), Limit: 1, ScanIndexForward: false }));
  return Items?.[0];
}

/** Updates the item at `key` if `condition` holds; false when it does not (nothing written). */
export async function updateIf(key: Key, update: string, condition: Condition): Promise<boolean> {
  try {
    await db().send(new UpdateCommand({ ...conditional(condition), Key: key, UpdateExpression: update }));
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

export const BATCH_GET_MAX = 100;

/** BatchGetItem of `keys` (100 per request), re-asking for unprocessed keys; found items only, any order. */
export async function batchGet(keys: Key[]): Promise<Item[]> {
  const items: Item[] = [];
  for (let i = 0; i < keys.length; i += BATCH_GET_MAX) {
    let pending: Key[] | undefined = keys.slice(i, i + BATCH_GET_MAX);
    for (let round = 0; pending && pending.length > 0; round++) {
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * 2 ** Math.min(round, 5)));
      const result = await db().send(new BatchGetCommand({ RequestItems: { [tableName()]: { Keys: pending } } }));
      items.push(...(result.Responses?.[tableName()] ?? []));
      pending = result.UnprocessedKeys?.[tableName()]?.Keys as Key[] | undefined;
    }
  }
  return items;
}

/** BatchWriteItem in chunks of 25, resending unprocessed items until none are left. */
export async function batchWrite(
  requests: Array<{ PutRequest: { Item: object } } | { DeleteRequest: { Key: Key | Item } }>,
): Promise<void> {
  for (let i = 0; i < requests.length; i += BATCH_WRITE_MAX) {
    let pending: unknown[] | undefined = requests.slice(i, i + BATCH_WRITE_MAX);
    while (pending && pending.length > 0) {
      const result: { UnprocessedItems?: Record<string, unknown[]> } = await db().send(
        new BatchWriteCommand({ RequestItems: { [tableName()]: pending as never } }),
      );
      pending = result.UnprocessedItems?.[tableName()];
    }
  }
}

/**
 * One page of a partition in sort-key order (`forward`) or reverse, after the sort key `after`
 * (exclusive), for lists whose sort keys are not timestamps. 1 Query; the next page starts after
 * the page's last key when DynamoDB says there is more.
 */
export async function queryKeyPage(query: {
  pk: string;
  limit: number;
  after: string | undefined;
  forward: boolean;
  consistent?: boolean;
}): Promise<{ items: Item[]; lastKey?: string }> {
  const { Items, LastEvaluatedKey } = await db().send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': query.pk },
      ScanIndexForward: query.forward,
      Limit: query.limit,
      ...(query.consistent ? { ConsistentRead: true } : {}),
      ...(query.after !== undefined ? { ExclusiveStartKey: { pk: query.pk, sk: query.after } } : {}),
    }),
  );
  const items = Items ?? [];
  const last = items[items.length - 1];
  return { items, ...(LastEvaluatedKey && last ? { lastKey: String(last.sk) } : {}) };
}

/**
 * The newest item of a partition whose `attribute` equals `value` (a Query with a filter,
 * newest first, page by page until found): a lookup by an attribute that is not the key,
 * for rare actions only. Each 1 MB page read costs its read units whether it matches or not.
 */
export async function findNewestWhere(pk: string, attribute: string, value: string): Promise<Item | undefined> {
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await db().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: '#a = :v',
        ExpressionAttributeNames: { '#a': attribute },
        ExpressionAttributeValues: { ':pk': pk, ':v': value },
        ScanIndexForward: false,
        ConsistentRead: true,
        ExclusiveStartKey,
      }),
    );
    const found = page.Items?.[0];
    if (found) return found;
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return undefined;
}

/** BatchGetItem (strongly consistent) of `keys` in chunks of 100, resending unprocessed keys; the items found. */
export async function batchGetKeys(keyList: Key[], projection: string): Promise<Item[]> {
  const found: Item[] = [];
  for (let i = 0; i < keyList.length; i += BATCH_GET_MAX) {
    let pending: Item[] | undefined = keyList.slice(i, i + BATCH_GET_MAX) as unknown as Item[];
    while (pending && pending.length > 0) {
      const result: { Responses?: Record<string, Item[]>; UnprocessedKeys?: Record<string, { Keys?: Item[] }> } = await db().send(
        new BatchGetCommand({
          RequestItems: { [tableName()]: { Keys: pending, ConsistentRead: true, ProjectionExpression: projection } },
        }),
      );
      found.push(...(result.Responses?.[tableName()] ?? []));
      pending = result.UnprocessedKeys?.[tableName()]?.Keys;
    }
  }
  return found;
}

/**
 * Items of a partition whose sort key lies in [`from`, `to`] (string order; `from` undefined:
 * from the start), ascending: every page, or with `limit` the first `limit` items in one Query
 * (short ranges of timestamps, #17). Callers whose keys are timestamps in several forms widen
 * the bounds to whole seconds and filter by instant themselves.
 */
export async function queryBetween(
  query: PartitionQuery & { from: string | undefined; to: string; limit?: number },
): Promise<Item[]> {
  const base = partitionInput(query);
  const input: QueryCommandInput = {
    ...base,
    KeyConditionExpression: query.from === undefined ? 'pk = :pk AND sk <= :to' : 'pk = :pk AND sk BETWEEN :from AND :to',
    ExpressionAttributeValues: {
      ...base.ExpressionAttributeValues,
      ':to': query.to,
      ...(query.from === undefined ? {} : { ':from': query.from }),
    },
  };
  if (query.limit === undefined) return everyPage(input);
  const { Items } = await db().send(new QueryCommand({ ...input, Limit: query.limit }));
  return (Items ?? []) as Item[];
}
