/**
 * The DAX switch (domain/dynamodb.ts cacheableReads, domain/dax.ts, DAX_ENDPOINT in
 * domain/config.ts), on the real engine. There is no DAX emulator, so "goes through DAX" is
 * shown by a cluster endpoint that cannot be reached: a cacheable read then fails with a 503
 * (it went to DAX), while strongly consistent reads and writes still succeed against the
 * engine (they never go to DAX).
 */
import { randomUUID } from 'node:crypto';
import { resetConfigForTests } from '../../domain/config';
import '../../domain/dax';
import { cacheableReads, db, resetDynamoClientForTests } from '../../domain/dynamodb';
import { ServiceUnavailableError } from '../../domain/errors';
import { getItem, putIfAbsent } from '../../domain/table';

const UNREACHABLE_CLUSTER = 'dax://127.0.0.1:9';

function withDaxEndpoint(endpoint: string | undefined): void {
  if (endpoint === undefined) delete process.env.DAX_ENDPOINT;
  else process.env.DAX_ENDPOINT = endpoint;
  resetConfigForTests();
  resetDynamoClientForTests();
}

afterEach(() => withDaxEndpoint(undefined));

test('without DAX_ENDPOINT, cacheable reads use the one DynamoDB client', async () => {
  withDaxEndpoint(undefined);
  expect(await cacheableReads()).toBe(db());
  const pk = `DAX#${randomUUID()}`;
  await putIfAbsent({ pk, sk: 'S' });
  expect(await getItem({ pk, sk: 'S' }, { cacheable: true })).toMatchObject({ pk });
});

test('with DAX_ENDPOINT, cacheable reads go to the DAX client: an unreachable cluster is a 503, not the engine', async () => {
  withDaxEndpoint(UNREACHABLE_CLUSTER);
  const client = await cacheableReads();
  expect(client).not.toBe(db());
  const pk = `DAX#${randomUUID()}`;
  await putIfAbsent({ pk, sk: 'S' });
  await expect(getItem({ pk, sk: 'S' }, { cacheable: true })).rejects.toBeInstanceOf(ServiceUnavailableError);
}, 20_000);

test('with DAX_ENDPOINT, strongly consistent and ordinary reads and every write still go to DynamoDB', async () => {
  withDaxEndpoint(UNREACHABLE_CLUSTER);
  const pk = `DAX#${randomUUID()}`;
  expect(await putIfAbsent({ pk, sk: 'S' })).toBe(true);
  expect(await getItem({ pk, sk: 'S' }, { cacheable: true, consistent: true })).toMatchObject({ pk });
  expect(await getItem({ pk, sk: 'S' })).toMatchObject({ pk });
});

test('a DAX_ENDPOINT that is no cluster endpoint (an unresolved template value) is a configuration error, not a silent fallback', async () => {
  withDaxEndpoint('[object Object]');
  expect(() => cacheableReads()).toThrow(/DAX_ENDPOINT must be a DAX cluster discovery endpoint/);
});
