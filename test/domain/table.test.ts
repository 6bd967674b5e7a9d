/**
 * domain/table.ts on the real engine: transactions from named actions with their
 * cancellation reasons by name, the paged and whole-partition queries, and the client
 * boundary that turns an unreachable DynamoDB into a ServiceUnavailableError.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ValidationError } from '../../domain/errors';
import {
  getItem,
  putIfAbsent,
  putIfAbsentAction,
  queryAll,
  queryPage,
  TransactionCancelledError,
  transactWrite,
} from '../../domain/table';

const run = promisify(execFile);
const key = (pk: string, sk = 'S') => ({ pk, sk });

test('a cancelled transaction names the action whose condition failed, and returns the item it found when asked', async () => {
  const taken = `T#${randomUUID()}`;
  const free = `T#${randomUUID()}`;
  await transactWrite({ first: putIfAbsentAction({ ...key(taken), n: 1 }) });
  const error = await transactWrite({
    fresh: putIfAbsentAction({ ...key(free), n: 2 }),
    existing: putIfAbsentAction({ ...key(taken), n: 3 }, { returnOld: true }),
    skipped: undefined,
  }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(TransactionCancelledError);
  const cancelled = error as TransactionCancelledError<'fresh' | 'existing' | 'skipped'>;
  expect(cancelled.failed('existing')).toBe(true);
  expect(cancelled.failed('fresh')).toBe(false);
  expect(cancelled.reasons.fresh?.code).toBe('None');
  expect(cancelled.reasons.skipped).toBeUndefined();
  expect(cancelled.item('existing')).toMatchObject({ pk: taken, n: 1 });
  expect(cancelled.conflict).toBe(false);
  // All or nothing: the free key was not written either.
  expect(await getItem(key(free), { consistent: true })).toBeUndefined();
});

test('putIfAbsent writes a free key and reports a taken one without overwriting it', async () => {
  const pk = `T#${randomUUID()}`;
  expect(await putIfAbsent({ ...key(pk), v: 'first' })).toBe(true);
  expect(await putIfAbsent({ ...key(pk), v: 'second' })).toBe(false);
  expect(await getItem(key(pk), { consistent: true })).toMatchObject({ v: 'first' });
});

test('queryPage returns `limit` items newest first with a cursor exactly when more exist; the cursor resumes after the last item and belongs to its list only', async () => {
  const pk = `T#${randomUUID()}`;
  const sks = ['2026-01-01T00:00:00.000001Z', '2026-01-01T00:00:00.000002Z', '2026-01-01T00:00:00.000003Z'];
  for (const sk of sks) await putIfAbsent({ pk, sk });
  const scope = { kind: 'groups' as const, userUuid: randomUUID() };
  const first = await queryPage({ pk, limit: 2, cursor: undefined, scope });
  expect(first.items.map((i) => i.sk)).toEqual([sks[2], sks[1]]);
  expect(first.nextCursor).toEqual(expect.any(String));
  const second = await queryPage({ pk, limit: 2, cursor: first.nextCursor, scope });
  expect(second.items.map((i) => i.sk)).toEqual([sks[0]]);
  expect(second.nextCursor).toBeUndefined();
  const exact = await queryPage({ pk, limit: 3, cursor: undefined, scope });
  expect(exact.nextCursor).toBeUndefined();
  const other = { kind: 'groups' as const, userUuid: randomUUID() };
  await expect(queryPage({ pk, limit: 2, cursor: first.nextCursor, scope: other })).rejects.toBeInstanceOf(ValidationError);
});

test('queryAll follows every page of a partition (items larger than one 1 MB page)', async () => {
  const pk = `T#${randomUUID()}`;
  const big = 'x'.repeat(300_000);
  for (let i = 0; i < 5; i++) await putIfAbsent({ pk, sk: String(i), big });
  const items = await queryAll({ pk, projection: 'pk, sk' });
  expect(items.map((i) => i.sk)).toEqual(['0', '1', '2', '3', '4']);
});

test('an unreachable DynamoDB leaves the client as a ServiceUnavailableError (503), whatever the request', async () => {
  const { stdout } = await run(
    process.execPath,
    [require.resolve('tsx/cli'), join(__dirname, '..', 'support', 'unreachable-dynamodb.ts')],
    { timeout: 20_000 },
  );
  const unavailable = { class: 'ServiceUnavailableError', statusCode: 503 };
  expect(JSON.parse(stdout.trim().split('\n').pop() ?? '{}')).toEqual({
    getItem: unavailable,
    putIfAbsent: unavailable,
    queryAll: unavailable,
    transactWrite: unavailable,
  });
});
