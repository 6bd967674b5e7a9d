/** The operators' report functions as `sls invoke` runs them (handlers/ops/list-reports.ts, resolve-report.ts). */
import { createMessageGroup } from '../../domain/create-message-group';
import { ValidationError } from '../../domain/errors';
import { reportMessage } from '../../domain/reports';
import { handler as listReports } from '../../handlers/ops/list-reports';
import { handler as resolveReport } from '../../handlers/ops/resolve-report';
import { newUser } from '../support/fixtures';

let printed: string[] = [];
beforeEach(() => {
  printed = [];
  jest.spyOn(console, 'log').mockImplementation((line: unknown) => void printed.push(String(line)));
});
afterEach(() => jest.restoreAllMocks());

describe('ops: listReports and resolveReport', () => {
  it('lists a new report with its snapshot (text escaped in the printout), resolves it, and lists it as resolved only', async () => {
    const [ada, ben] = await Promise.all([newUser('Ada'), newUser('Ben')]);
    const sent = await createMessageGroup(ada, ben.handle, 'line one\nline two');
    const receipt = await reportMessage(ben, sent.message_group_uuid, sent.message_uuid, 'abuse');

    const open = await listReports({ status: 'open', limit: 100 });
    expect(open.items.find((r) => r.report_id === receipt.report_id)).toMatchObject({
      status: 'open',
      reason: 'abuse',
      reporter: { uuid: ben.uuid },
      message: { text: 'line one\nline two', sender_uuid: ada.uuid },
    });
    const line = printed.find((l) => l.includes(receipt.report_id))!;
    expect(line).toContain(`@${ben.handle} reported @${ada.handle}`);
    expect(line).not.toContain('\n');

    const resolved = await resolveReport({ report_id: receipt.report_id, resolution: 'warned' });
    expect(resolved).toMatchObject({ status: 'resolved', resolution: 'warned' });
    expect((await listReports({ status: 'open', limit: 100 })).items.map((r) => r.report_id)).not.toContain(receipt.report_id);
    expect((await listReports({ status: 'resolved', limit: 100 })).items.map((r) => r.report_id)).toContain(receipt.report_id);
  });

  it('refuses input it cannot use with a ValidationError that says what to pass', async () => {
    await expect(listReports({ status: 'closed' })).rejects.toThrow(ValidationError);
    await expect(listReports({ limit: 0 })).rejects.toThrow(ValidationError);
    await expect(resolveReport({})).rejects.toThrow('pass {"report_id", "resolution"}');
    await expect(resolveReport({ report_id: 'x', resolution: 'y' })).rejects.toThrow(ValidationError);
  });
});
