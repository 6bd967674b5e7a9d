/** Reports (domain/reports.ts): by members, one per reporter and message, read and resolved by operators. */
import { createMessage } from '../../domain/create-message';
import { createMessageGroup } from '../../domain/create-message-group';
import { NotFoundError, ValidationError } from '../../domain/errors';
import { keys, MESSAGE_GROUP_INDEX } from '../../domain/keys';
import { listReports, reportMessage, resolveReport } from '../../domain/reports';
import { queryIndexAll } from '../../domain/table';
import { getItem, newUser, partition } from '../support/fixtures';

async function conversation() {
  const [ada, ben, eve] = await Promise.all([newUser('Ada'), newUser('Ben'), newUser('Eve')]);
  const first = await createMessageGroup(ada, ben.handle, 'rude words');
  return { ada, ben, eve, group: first.message_group_uuid, message: first };
}

describe('reports', () => {
  it('stores reporter, message snapshot, reason and time; a repeat answers the first receipt and writes nothing', async () => {
    const { ada, ben, group, message } = await conversation();
    const receipt = await reportMessage(ben, group, message.message_uuid, ' spam ');
    expect(receipt).toMatchObject({ message_group_uuid: group, message_uuid: message.message_uuid, reason: 'spam' });
    const again = await reportMessage(ben, group, message.message_uuid, 'different reason');
    expect(again).toEqual(receipt);
    const stored = await getItem(keys.report(receipt.report_id));
    expect(stored).toMatchObject({
      reporter_uuid: ben.uuid,
      reported_user_uuid: ada.uuid,
      reason: 'spam',
      report_status: 'open',
      message: { text: 'rude words', sender_uuid: ada.uuid, sender_handle: ada.handle, created_at: message.created_at },
    });
    expect(await getItem(keys.reported(ben.uuid, message.message_uuid))).toMatchObject({ report_id: receipt.report_id });
    const mine = (await partition(keys.reportsPartition())).filter((r) => r.message_uuid === message.message_uuid);
    expect(mine).toHaveLength(1);
    // The sparse index keeps holding the conversation's two rows only (pattern E reads it).
    const indexed = await queryIndexAll(MESSAGE_GROUP_INDEX, 'message_group_uuid', group);
    expect(indexed.map((i) => String(i.pk).split('#')[0])).toEqual(['GRP', 'GRP']);
  });

  it('a non-member gets 404 as for a conversation that does not exist, and nothing is written', async () => {
    const { eve, group, message } = await conversation();
    await expect(reportMessage(eve, group, message.message_uuid, 'spam')).rejects.toThrow('conversation not found');
    expect(await getItem(keys.reported(eve.uuid, message.message_uuid))).toBeUndefined();
  });

  it('refuses an unknown message (404), your own message (400) and a bad reason (400)', async () => {
    const { ada, ben, group, message } = await conversation();
    await expect(reportMessage(ben, group, '00000000-0000-4000-8000-000000000000', 'spam')).rejects.toThrow(NotFoundError);
    await expect(reportMessage(ada, group, message.message_uuid, 'spam')).rejects.toThrow(ValidationError);
    await expect(reportMessage(ben, group, message.message_uuid, '')).rejects.toThrow(ValidationError);
    await expect(reportMessage(ben, group, message.message_uuid, 'x'.repeat(501))).rejects.toThrow(ValidationError);
    await expect(reportMessage(ben, group, 'not-a-uuid', 'spam')).rejects.toThrow(ValidationError);
    expect(await getItem(keys.reported(ben.uuid, message.message_uuid))).toBeUndefined();
  });

  it('finds an older message of a long conversation', async () => {
    const { ada, ben, group, message } = await conversation();
    for (let i = 0; i < 30; i++) await createMessage(group, ada, `later ${i}`);
    await expect(reportMessage(ben, group, message.message_uuid, 'old one')).resolves.toMatchObject({ reason: 'old one' });
  });

  it('operators list reports newest first, page by page, and resolve one once', async () => {
    const { ada, ben, group } = await conversation();
    const receipts = [];
    for (let i = 0; i < 3; i++) {
      const m = await createMessage(group, ada, `m${i}`);
      receipts.push(await reportMessage(ben, group, m.message_uuid, `r${i}`));
    }
    const ours = new Set(receipts.map((r) => r.report_id));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listReports({ limit: 2, cursor });
      seen.push(...page.items.map((r) => r.report_id).filter((id) => ours.has(id)));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(receipts.map((r) => r.report_id).reverse());

    const target = receipts[1]!.report_id;
    const resolved = await resolveReport(target, 'warned the sender');
    expect(resolved).toMatchObject({ status: 'resolved', resolution: 'warned the sender', reporter: { uuid: ben.uuid } });
    const again = await resolveReport(target, 'another note');
    expect(again).toEqual(resolved);
    const open = await listReports({ status: 'open', limit: 100 });
    expect(open.items.map((r) => r.report_id)).not.toContain(target);
    await expect(resolveReport(`${receipts[0]!.created_at}#00000000-0000-4000-8000-000000000000`, 'x')).rejects.toThrow(
      NotFoundError,
    );
    await expect(resolveReport('REPORTS', 'x')).rejects.toThrow(ValidationError);
    await expect(listReports({ cursor: 'bogus' })).rejects.toThrow(ValidationError);
  });
});
