/**
 * Run as its own Node process by test/domain/table.test.ts (jest's sandbox wraps Node's own
 * socket errors before the SDK sees them): points the table module at a port that accepts
 * connections and drops them, makes each kind of request once, and prints what each threw.
 */
import { createServer } from 'node:net';
import { DomainError } from '../../domain/errors';

const server = createServer((socket) => socket.destroy());
server.listen(0, '127.0.0.1', async () => {
  const { port } = server.address() as { port: number };
  Object.assign(process.env, {
    TABLE_NAME: 'unreachable',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    DYNAMODB_ENDPOINT: `http://127.0.0.1:${port}`,
    DYNAMODB_MAX_ATTEMPTS: '2',
  });
  const { getItem, putIfAbsent, putIfAbsentAction, queryAll, transactWrite } = await import('../../domain/table');
  const key = { pk: 'T#x', sk: 'S' };
  const requests = {
    getItem: () => getItem(key),
    putIfAbsent: () => putIfAbsent(key),
    queryAll: () => queryAll({ pk: 'T#x' }),
    transactWrite: () => transactWrite({ a: putIfAbsentAction(key) }),
  };
  const results: Record<string, unknown> = {};
  for (const [name, request] of Object.entries(requests)) {
    const error = await request().then(
      () => undefined,
      (e: unknown) => e,
    );
    results[name] =
      error instanceof DomainError
        ? { class: error.name, statusCode: error.statusCode }
        : { class: String((error as Error)?.name) };
  }
  console.log(JSON.stringify(results));
  server.close();
});
