// Requests that used to crash or stall the engine (and plain dynalite): each one now gets a
// DynamoDB-shaped answer, the process stays up, and other clients are served meanwhile.
// The engine runs as its own process (the CLI), so a crash shows up as an exit.
import { connect } from 'node:net';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand, PutItemCommand, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { clientConfig, createTable, DDB, N, raw, S, startCli, tableName, type CliEngine, failure } from './helpers';

let engine: CliEngine;
let ddb: DynamoDBClient;
const t = tableName('robust');

beforeAll(async () => {
  engine = await startCli(['--body-timeout-ms', '300', '--max-body-bytes', '1000000', '--verbose']);
  ddb = new DynamoDBClient(clientConfig(engine.endpoint));
  await createTable(ddb, t);
  await ddb.send(new PutItemCommand({ TableName: t, Item: { pk: S('p1'), i: N(1) } }));
});
afterAll(async () => {
  ddb.destroy();
  expect(await engine.stop()).toBe(0);
});

async function expectServing() {
  expect(engine.alive()).toBe(true);
  const out = await ddb.send(new ListTablesCommand({}));
  expect(out.TableNames).toContain(t);
}

/** `a<b OR (a<b OR (...))`, n levels of parentheses. */
function nested(n: number): string {
  let e = 'a < :b';
  for (let i = 0; i < n; i++) e = `a < :b OR (${e})`;
  return e;
}

describe('crashes of dynalite 4.0.0', () => {
  test('a filter `i IN (j, :k)` on items without j matches nothing instead of crashing the engine', async () => {
    const out = await ddb.send(
      new ScanCommand({ TableName: t, FilterExpression: 'i IN (j, :k)', ExpressionAttributeValues: { ':k': N(2) } }),
    );
    expect(out.Items).toEqual([]);
    expect(out.ScannedCount).toBe(1);
    const hit = await ddb.send(
      new ScanCommand({ TableName: t, FilterExpression: 'i IN (j, :k)', ExpressionAttributeValues: { ':k': N(1) } }),
    );
    expect(hit.Items).toEqual([{ pk: S('p1'), i: N(1) }]);
    await expectServing();
  });

  test('BETWEEN and size() on missing attributes are false, not a crash', async () => {
    const out = await ddb.send(
      new ScanCommand({
        TableName: t,
        FilterExpression: 'i BETWEEN :lo AND j OR size(nope) IN (:lo, nope2) OR contains(nope, i)',
        ExpressionAttributeValues: { ':lo': N(0) },
      }),
    );
    expect(out.Items).toEqual([]);
    await expectServing();
  });

  test('a JSON null request body is a 400 SerializationException', async () => {
    for (const op of ['PutItem', 'GetItem', 'Query', 'ListTables', 'TransactWriteItems', 'CreateTable']) {
      const res = await raw(engine.endpoint, DDB(op), 'null');
      expect({ op, status: res.status, type: res.json().__type }).toEqual({
        op,
        status: 400,
        type: 'com.amazon.coral.service#SerializationException',
      });
    }
    for (const body of ['[]', '7', '"x"', 'true']) {
      const res = await raw(engine.endpoint, DDB('PutItem'), body);
      expect(res.status).toBe(400);
    }
    await expectServing();
  });

  test('a JSON null anywhere below the top level is a 400 ValidationException, never a 500', async () => {
    const cases: [string, unknown, string][] = [
      [
        'PutItem',
        { TableName: t, Item: { pk: null } },
        'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes',
      ],
      [
        'PutItem',
        { TableName: t, Item: { pk: S('n'), m: { M: { x: null } } } },
        'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes',
      ],
      [
        'PutItem',
        { TableName: t, Item: { pk: { S: null } } },
        'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes',
      ],
      ['Scan', { TableName: t, ScanFilter: { a: null } }, "Value null at 'scanFilter.a' failed"],
      ['Query', { TableName: t, KeyConditions: { pk: null } }, "Value null at 'keyConditions.pk' failed"],
      ['BatchGetItem', { RequestItems: { [t]: null } }, "Value null at 'requestItems."],
      ['BatchGetItem', { RequestItems: { [t]: { Keys: [null] } } }, ".keys.1.member' failed"],
      [
        'CreateTable',
        { TableName: 'nulls', AttributeDefinitions: [null], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] },
        "Value null at 'attributeDefinitions.1.member' failed",
      ],
      [
        'TransactWriteItems',
        { TransactItems: [{ Put: { TableName: t, Item: { pk: S('n'), a: null } } }] },
        'Supplied AttributeValue is empty',
      ],
    ];
    for (const [op, body, message] of cases) {
      const res = await raw(engine.endpoint, DDB(op), JSON.stringify(body));
      expect({ op, status: res.status, type: res.json().__type }).toEqual({
        op,
        status: 400,
        type: 'com.amazon.coral.validate#ValidationException',
      });
      expect(res.json().message).toContain(message);
    }
    // a top-level null is an absent field, as before
    expect((await raw(engine.endpoint, DDB('Scan'), JSON.stringify({ TableName: t, Limit: null }))).status).toBe(200);
    await expectServing();
  });

  test('TagResource with a tag that has no Value is a ValidationException naming the member', async () => {
    const arn = `arn:aws:dynamodb:us-east-1:000000000000:table/${t}`;
    const res = await raw(
      engine.endpoint,
      DDB('TagResource'),
      JSON.stringify({ ResourceArn: arn, Tags: [{ Key: 'k', Value: 'v' }, { Key: 'k2' }] }),
    );
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({
      __type: 'com.amazon.coral.validate#ValidationException',
      message:
        "1 validation error detected: Value null at 'tags.2.member.value' failed to satisfy constraint: Member must not be null",
    });
    await expectServing();
  });
});

describe('expressions parse in linear time, with DynamoDB limits', () => {
  test('10 levels of nested parentheses parse and evaluate (dynalite took ~35 s)', async () => {
    const out = await ddb.send(
      new ScanCommand({ TableName: t, FilterExpression: nested(10), ExpressionAttributeValues: { ':b': N(5) } }),
    );
    expect(out.Count).toBe(0); // no item has a
  });

  // DynamoDB has no nesting limit of its own here: it counts operators (300 at most) and refuses
  // redundant parentheses. Its answers below are the ones ScyllaDB's test_limits.py records
  // (test_deeply_nested_expression_2 to _5, written to pass on DynamoDB).
  test('deep nesting is answered as DynamoDB answers it: 149 levels (299 operators) evaluate, the 301st operator and redundant parentheses are refused', async () => {
    const chain = (n: number) => `i < :b ${'OR (i < :b '.repeat(n)}${')'.repeat(n)}`;
    const scan = (expr: string) =>
      ddb.send(new ScanCommand({ TableName: t, FilterExpression: expr, ExpressionAttributeValues: { ':b': N(5) } }));
    const deep = await scan(chain(149));
    expect(deep.Items?.map((i) => i.pk?.S)).toContain('p1');
    const refused: [string, string][] = [
      [chain(150), 'The expression contains too many operators; operator count: 301'],
      [chain(300), 'The expression contains too many operators; operator count: 301'],
      [`${'NOT '.repeat(1000)}i < :b`, 'The expression contains too many operators; operator count: 301'],
      [`${'('.repeat(2046)}i<:b${')'.repeat(2046)}`, 'The expression has redundant parentheses;'],
      [`${'('.repeat(33)}i < :b${')'.repeat(33)}`, 'The expression has redundant parentheses;'],
      [`i < ${'f('.repeat(1350)}:b${')'.repeat(1350)}`, 'Invalid function name; function: f'],
      ['('.repeat(4096), 'Syntax error; token: "<EOF>", near: "("'],
    ];
    for (const [expr, message] of refused) {
      expect(Buffer.byteLength(expr)).toBeLessThanOrEqual(4096);
      const err = await failure(scan(expr));
      expect([err.name, err.message]).toEqual(['ValidationException', `Invalid FilterExpression: ${message}`]);
    }
    // the same limit on updates, where + and - and functions are the operators
    const sums = (n: number) => `SET ${Array.from({ length: n }, (_, k) => `n${k}=:b+:b`).join(',')}`;
    await ddb.send(
      new UpdateItemCommand({
        TableName: t,
        Key: { pk: S('sums') },
        UpdateExpression: sums(300),
        ExpressionAttributeValues: { ':b': N(5) },
      }),
    );
    const tooMany = await failure(
      ddb.send(
        new UpdateItemCommand({
          TableName: t,
          Key: { pk: S('sums') },
          UpdateExpression: sums(301),
          ExpressionAttributeValues: { ':b': N(5) },
        }),
      ),
    );
    expect(tooMany.message).toBe('Invalid UpdateExpression: The expression contains too many operators; operator count: 301');
    await expectServing();
  });

  test('an expression over 4 KB is a ValidationException with its size', async () => {
    const expr = Array.from({ length: 700 }, () => 'a < :b').join(' OR ');
    const err = await failure(
      ddb.send(new ScanCommand({ TableName: t, FilterExpression: expr, ExpressionAttributeValues: { ':b': N(5) } })),
    );
    expect(err.name).toBe('ValidationException');
    expect(err.message).toBe(
      `Invalid FilterExpression: Expression size has exceeded the maximum allowed size; expression size: ${expr.length}`,
    );
  });

  test('syntax errors use DynamoDB\'s "token / near" form', async () => {
    const err = await failure(
      ddb.send(
        new UpdateItemCommand({
          TableName: t,
          Key: { pk: S('p1') },
          UpdateExpression: 'SET a = list_append(a, 0)',
        }),
      ),
    );
    expect(err.message).toBe('Invalid UpdateExpression: Syntax error; token: "0", near: ", 0)"');
    const err2 = await failure(ddb.send(new ScanCommand({ TableName: t, FilterExpression: 'a <' })));
    expect(err2.message).toBe('Invalid FilterExpression: Syntax error; token: "<EOF>", near: "<"');
  });

  test('NOT NOT a < b parses', async () => {
    const out = await ddb.send(
      new ScanCommand({ TableName: t, FilterExpression: 'NOT NOT i < :b', ExpressionAttributeValues: { ':b': N(5) } }),
    );
    expect(out.Count).toBe(1);
  });

  test('a huge ExpressionAttributeNames map is answered (unused names are a ValidationException)', async () => {
    const names: Record<string, string> = {};
    for (let i = 0; i < 50_000; i++) names[`#n${i}`] = `a${i}`;
    const err = await failure(
      ddb.send(
        new ScanCommand({
          TableName: t,
          FilterExpression: '#n0 = :b',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':b': N(1) },
        }),
      ),
    );
    expect(err.name).toBe('ValidationException');
    expect(err.message).toMatch(/^Value provided in ExpressionAttributeNames unused in expressions: keys: \{#n1, /);
    await expectServing();
  });
});

describe('bad bodies', () => {
  function deepItem(levels: number) {
    let v: Record<string, unknown> = { S: 'leaf' };
    for (let i = 0; i < levels; i++) v = { M: { x: v } };
    return { pk: S('deep'), v };
  }

  // the attribute is level 1: a leaf under 31 maps is at level 32, the deepest DynamoDB stores
  // (captured by nubo-db/dynamodb-conformance, tests/tier3/limits/nestingDepth)
  test("items nested more than 32 levels are rejected with DynamoDB's message; 32 levels are stored", async () => {
    await ddb.send(new PutItemCommand({ TableName: t, Item: deepItem(31) as never }));
    const res = await raw(engine.endpoint, DDB('PutItem'), JSON.stringify({ TableName: t, Item: deepItem(32) }));
    expect(res.status).toBe(400);
    expect(res.json().message).toBe(
      'Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit',
    );
    const veryDeep = `{"TableName":"${t}","Item":{"pk":{"S":"x"},"v":${'{"L":['.repeat(100_000)}{"S":"x"}${']}'.repeat(100_000)}}}`;
    expect((await raw(engine.endpoint, DDB('PutItem'), veryDeep)).status).toBe(400);
    await expectServing();
  });

  test('malformed JSON and wrong JSON types in fields are 400s', async () => {
    const cases: [string, string][] = [
      ['PutItem', '{"TableName":'],
      ['PutItem', '{"TableName": 5, "Item": "x"}'],
      ['PutItem', `{"TableName": "${t}", "Item": {"pk": {"S": 5}}}`],
      ['Query', `{"TableName": "${t}", "Limit": "many"}`],
      ['TransactWriteItems', '{"TransactItems": {"a": 1}}'],
      ['TransactWriteItems', '{"TransactItems": [null, 5]}'],
      ['UpdateItem', `{"TableName": "${t}", "Key": {"pk": {"S": "p1"}}, "UpdateExpression": 5}`],
      ['Scan', `{"TableName": "${t}", "FilterExpression": ["a"]}`],
      ['BatchWriteItem', '{"RequestItems": {"x": [null]}}'],
    ];
    for (const [op, body] of cases) {
      const res = await raw(engine.endpoint, DDB(op), body);
      expect({ op, body, status: res.status }).toEqual({ op, body, status: 400 });
      expect(res.json().__type).toMatch(/#(SerializationException|ValidationException)$/);
    }
    await expectServing();
  });

  test('an oversized body gets a 413 and the engine keeps serving', async () => {
    const res = await raw(
      engine.endpoint,
      DDB('PutItem'),
      `{"TableName":"${t}","Item":{"pk":{"S":"${'x'.repeat(1_100_000)}"}}}`,
    ).catch((err: NodeJS.ErrnoException) => ({ status: err.code === 'EPIPE' || err.code === 'ECONNRESET' ? 413 : 0 }));
    expect(res.status).toBe(413);
    await expectServing();
  });

  test('a truncated body is answered with a 400 after the body timeout, while other clients are served meanwhile', async () => {
    const socket = connect(engine.port, '127.0.0.1');
    let answer = '';
    socket.on('data', (d) => (answer += d));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    socket.write(
      `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: ${DDB('ListTables')}\r\nContent-Length: 100\r\n\r\n{"Lim`,
    );
    await expectServing(); // served while the truncated request is pending
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect(answer).toContain('SerializationException');
  });
});

test('SIGTERM stops the engine even while a client holds a request open', async () => {
  const other = await startCli(['--body-timeout-ms', '60000']);
  const socket = connect(other.port, '127.0.0.1');
  socket.on('error', () => {});
  socket.write(`POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: ${DDB('ListTables')}\r\nContent-Length: 100\r\n\r\n{`);
  await new Promise((r) => setTimeout(r, 100));
  expect(await other.stop()).toBe(0);
  socket.destroy();
});

describe('last-resort guard', () => {
  test("an exception escaping from a request's callbacks is logged with the request and answered with a 500; the engine keeps serving", async () => {
    const faulty = await startCli([], join(__dirname, 'fixtures/faulty-engine.js'));
    const client = new DynamoDBClient(clientConfig(faulty.endpoint));
    try {
      const name = tableName('guard');
      await createTable(client, name);
      const err = await failure(client.send(new PutItemCommand({ TableName: name, Item: { pk: S('x') } })));
      expect(err.name).toBe('InternalServerError');
      expect(err.$metadata.httpStatusCode).toBe(500);
      // stderr and the HTTP answer travel on different pipes: wait for the log line
      for (let i = 0; i < 100 && !/boom from inside a callback/.test(faulty.stderr()); i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(faulty.stderr()).toMatch(
        /internal error \(uncaughtException\) while serving POST DynamoDB_20120810\.PutItem \{"TableName":"guard-.*boom from inside a callback/s,
      );
      expect(faulty.alive()).toBe(true);
      expect((await client.send(new ListTablesCommand({}))).TableNames).toContain(name);
    } finally {
      client.destroy();
      await faulty.stop();
    }
  });
});
