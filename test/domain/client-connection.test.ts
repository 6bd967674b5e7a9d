/**
 * "Keep the connection warm": the one client (domain/dynamodb.ts) reuses its socket across
 * calls, as a warm Lambda reuses its TLS connection to DynamoDB between invocations. Counted
 * with a TCP relay in front of the engine: connections opened, not time.
 */
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { resetConfigForTests } from '../../domain/config';
import { resetDynamoClientForTests } from '../../domain/dynamodb';
import { getItem, putIfAbsent } from '../../domain/table';

async function relay(target: URL) {
  let connections = 0;
  const server = net.createServer((client) => {
    connections++;
    const upstream = net.connect(Number(target.port), target.hostname);
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, connections: () => connections, close: () => server.close() };
}

test('sequential requests of one client go over one kept-alive connection', async () => {
  const engineEndpoint = process.env.DYNAMODB_ENDPOINT as string;
  const tcp = await relay(new URL(engineEndpoint));
  process.env.DYNAMODB_ENDPOINT = tcp.endpoint;
  resetConfigForTests();
  resetDynamoClientForTests();
  try {
    const pk = `CONN#${randomUUID()}`;
    await putIfAbsent({ pk, sk: 'S' });
    for (let i = 0; i < 5; i++) expect(await getItem({ pk, sk: 'S' })).toMatchObject({ pk });
    expect(tcp.connections()).toBe(1);
  } finally {
    resetDynamoClientForTests();
    process.env.DYNAMODB_ENDPOINT = engineEndpoint;
    resetConfigForTests();
    tcp.close();
  }
});
