import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { db, tableName } from '../../domain/dynamodb';
import { NotFoundError, ValidationError } from '../../domain/errors';
import { handler as getConversation } from '../../handlers/ops/get-conversation';
import { handler as listConversations } from '../../handlers/ops/list-conversations';
import { handler as scan } from '../../handlers/ops/scan';
import { demoConversations, demoUsers } from '../../seeds/demo-data';
import { seed } from '../../seeds/seed';
import { useIsolatedTable } from '../support/fixtures';

useIsolatedTable();

let printed: string[];
beforeAll(() => seed());
beforeEach(() => {
  printed = [];
  jest.spyOn(console, 'log').mockImplementation((line: unknown) => void printed.push(String(line)));
});
afterEach(() => jest.restoreAllMocks());

describe('ops functions', () => {
  it('scan prints every item, following pages to the end of the table', async () => {
    const result = await scan({ pageSize: 10 });
    const { Count } = await db().send(new ScanCommand({ TableName: tableName(), Select: 'COUNT', ConsistentRead: true }));
    expect(result.pages).toBeGreaterThan(1);
    expect(result.items).toBeGreaterThanOrEqual(Count!);
    expect(printed.filter((line) => line.startsWith('{"'))).toHaveLength(result.items);
  });

  it('listConversations prints and returns the conversations of a handle, newest first', async () => {
    const page = await listConversations({ handle: 'ada' });
    const demoGroups = demoConversations.map((c) => c.message_group_uuid);
    expect(page.items.map((g) => g.message_group_uuid)).toEqual(expect.arrayContaining(demoGroups));
    expect(printed[0]).toContain('Ada Okafor (@ada)');
    expect(printed.some((line) => line.includes('Ben Lindqvist (@ben)'))).toBe(true);
    // #17: each line ends with Ada's unread count of that conversation, as B returns it.
    for (const group of page.items) {
      expect(printed.find((line) => line.includes(`[${group.message_group_uuid}]`))).toMatch(
        new RegExp(`unread ${group.unread_count}$`),
      );
    }
  });

  it('getConversation finds the conversation by the two handles and prints who, when and a preview', async () => {
    const [long] = demoConversations;
    const result = await getConversation({ handle: 'ben', other_handle: 'ada' });
    expect(result.message_group_uuid).toBe(long!.message_group_uuid);
    expect(result.items.at(-1)?.message).toBe(long!.lines.at(-1)![1]);
    expect(printed.some((line) => /@ada\s+Ten it is\. Bring the sensor logs too\./.test(line))).toBe(true);
  });

  it('getConversation by id returns the same page', async () => {
    const [long] = demoConversations;
    const byId = await getConversation({ message_group_uuid: long!.message_group_uuid });
    const byHandles = await getConversation({ handle: demoUsers.ada.handle, other_handle: demoUsers.ben.handle });
    expect(byId).toEqual(byHandles);
  });

  it('getConversation explains what input it needs, and reports strangers as not found', async () => {
    await expect(getConversation({})).rejects.toThrow(ValidationError);
    await expect(getConversation({ handle: 'ben', other_handle: 'chioma' })).rejects.toThrow(NotFoundError);
  });

  it('ops inputs are typed by their schema: a mistyped limit, cursor or page size is a ValidationError before anything is read', async () => {
    await expect(listConversations({ handle: 'ada', limit: '5' })).rejects.toThrow(
      new ValidationError('invalid input: pass {"handle", "limit"?, "cursor"?}'),
    );
    await expect(getConversation({ handle: 'ben', other_handle: 'ada', cursor: 7 })).rejects.toThrow(ValidationError);
    await expect(scan({ pageSize: 0 })).rejects.toThrow(ValidationError);
    await expect(scan('not an object')).rejects.toThrow(ValidationError);
    expect(printed).toEqual([]);
    // A number in range is typed as such and honoured.
    expect((await listConversations({ handle: 'ada', limit: 1 })).items).toHaveLength(1);
  });
});
