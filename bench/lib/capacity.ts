/**
 * Counts what a client sends to DynamoDB: requests per operation, items written, and the
 * capacity consumed. Installed on a client's middleware stack only for counting passes
 * (never while timing), it asks every request for `ReturnConsumedCapacity: INDEXES` and adds
 * up what comes back.
 *
 * What the local engine reports, checked against DynamoDB's documented rules:
 *   - GetItem / Query / PutItem / DeleteItem / BatchWriteItem: dynalite computes units from
 *     item sizes as documented (reads: 4 KB units, halved when eventually consistent; writes:
 *     1 KB units, the larger of the old and new item).
 *   - TransactWriteItems / TransactGetItems: the engine reports 2 units per item, which is
 *     the documented cost for items up to 1 KB / 4 KB — all of ours are.
 *   - Global secondary index writes are NOT reported by the engine. DynamoDB bills them: every
 *     write that adds or removes an index entry costs 1 WCU per KB of the entry (item + 100
 *     bytes). Only conversation rows are in the sparse index (`message_group_uuid`), each well
 *     under 1 KB, so we add 1 WCU per conversation row put or deleted, read from the request.
 *     (Assumed billed at the standard rate inside transactions too; see BENCHMARKS.md.)
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { userUuidOfConversationPartition } from '../../domain/keys';

export interface Tally {
  requests: Record<string, number>;
  /** Items written (a transaction of n writes counts n). */
  itemWrites: number;
  rcu: number;
  /** Base-table WCU as reported by the engine. */
  tableWcu: number;
  /** GSI WCU computed from the requests (the engine does not report index writes). */
  indexWcu: number;
}

export function emptyTally(): Tally {
  return { requests: {}, itemWrites: 0, rcu: 0, tableWcu: 0, indexWcu: 0 };
}

export function totalRequests(tally: Tally): number {
  return Object.values(tally.requests).reduce((sum, n) => sum + n, 0);
}

export function totalWcu(tally: Tally): number {
  return tally.tableWcu + tally.indexWcu;
}

const READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);
const NAME = 'benchCapacityCounter';

type AnyClient = DynamoDBClient | DynamoDBDocumentClient;
type Json = Record<string, any>;

/** Starts counting on `client`; returns the running tally and a function that stops counting. */
export function countRequests(client: AnyClient): { tally: Tally; stop(): void } {
  const tally = emptyTally();
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers: Record<string, string>; body?: unknown };
      const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? 'unknown';
      let body: Json = {};
      // The JSON protocol serializer hands over the body as bytes (or, in older SDKs, a string).
      if (typeof request.body === 'string' || request.body instanceof Uint8Array) {
        body = JSON.parse(typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body)) as Json;
        body.ReturnConsumedCapacity = 'INDEXES';
        const text = JSON.stringify(body);
        request.body = text;
        request.headers['content-length'] = String(Buffer.byteLength(text));
      }
      const result = await next(args);
      tally.requests[operation] = (tally.requests[operation] ?? 0) + 1;
      const writes = writesOf(operation, body);
      tally.itemWrites += writes.items;
      tally.indexWcu += writes.indexEntries;
      const consumed = (result.output as Json).ConsumedCapacity as Json | Json[] | undefined;
      for (const entry of consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed]) {
        const units = Number(entry.CapacityUnits ?? 0);
        if (READS.has(operation)) tally.rcu += units;
        else tally.tableWcu += units;
      }
      return result;
    },
    { step: 'build', name: NAME, override: true },
  );
  return { tally, stop: () => client.middlewareStack.remove(NAME) };
}

/** Items written by one request, and how many of those writes add or remove a GSI entry. */
function writesOf(operation: string, body: Json): { items: number; indexEntries: number } {
  const actions: Array<{ kind: 'put' | 'delete' | 'update'; item?: Json; key?: Json }> = [];
  if (operation === 'PutItem') actions.push({ kind: 'put', item: body.Item });
  if (operation === 'DeleteItem') actions.push({ kind: 'delete', key: body.Key });
  if (operation === 'UpdateItem') actions.push({ kind: 'update', key: body.Key });
  if (operation === 'BatchWriteItem') {
    for (const requests of Object.values(body.RequestItems ?? {}) as Json[][]) {
      for (const r of requests) {
        if (r.PutRequest) actions.push({ kind: 'put', item: r.PutRequest.Item });
        if (r.DeleteRequest) actions.push({ kind: 'delete', key: r.DeleteRequest.Key });
      }
    }
  }
  if (operation === 'TransactWriteItems') {
    for (const t of (body.TransactItems ?? []) as Json[]) {
      if (t.Put) actions.push({ kind: 'put', item: t.Put.Item });
      if (t.Delete) actions.push({ kind: 'delete', key: t.Delete.Key });
      if (t.Update) actions.push({ kind: 'update', key: t.Update.Key });
    }
  }
  const isConversationRow = (a: (typeof actions)[number]) => {
    if (a.kind === 'put') return a.item?.message_group_uuid !== undefined;
    // Only conversation rows live under GRP#; deleting one removes its index entry.
    return a.kind === 'delete' && userUuidOfConversationPartition(String(a.key?.pk?.S ?? '')) !== undefined;
  };
  return { items: actions.length, indexEntries: actions.filter(isConversationRow).length };
}

export function addTallies(a: Tally, b: Tally): Tally {
  const requests = { ...a.requests };
  for (const [op, n] of Object.entries(b.requests)) requests[op] = (requests[op] ?? 0) + n;
  return {
    requests,
    itemWrites: a.itemWrites + b.itemWrites,
    rcu: a.rcu + b.rcu,
    tableWcu: a.tableWcu + b.tableWcu,
    indexWcu: a.indexWcu + b.indexWcu,
  };
}
