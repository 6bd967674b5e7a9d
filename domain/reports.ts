/**
 * Safety: members report messages; operators read and resolve the reports (issue #20).
 *
 * A report is two items written in one TransactWriteItems:
 * - `REPORTS` / `<created_at>#<report uuid>`: the report — reporter, a snapshot of the message
 *   (text, sender, time, conversation) as it was when reported, the reason, its time and
 *   `report_status` (`open` → `resolved`). One partition, newest first by sort key, so
 *   `listReports` is 1 Query per page. Reports are rare; one partition takes 1,000 writes/s.
 * - `REPORTED#<reporter>#<message uuid>` / `REPORTED`: at most one report per reporter and
 *   message. A second report of the same message by the same reporter writes nothing and
 *   answers the first report's receipt (idempotent).
 *
 * No HTTP route reads reports: only the ops functions `listReports` and `resolveReport`
 * (`sls invoke`, i.e. whoever holds the stage's AWS credentials) do. The stream consumers
 * ignore them (their filters take `MSG#` and `GRP#` only), so nothing about a report is ever
 * pushed to anyone, and the reported user never learns of it.
 */
import { decodeKeyCursor, encodeKeyCursor } from './cursor';
import { ConflictError, NotFoundError, ValidationError } from './errors';
import { newUuid } from './ids';
import { messageFromItem } from './items';
import { keys } from './keys';
import { conversationNotFound, isMember } from './membership';
import { findMessageItem } from './find-message';
import {
  getItem,
  putIfAbsentAction,
  queryKeyPage,
  TransactionCancelledError,
  transactWrite,
  updateAction,
  type Item,
} from './table';
import { canonicalTimestamp, isTimestamp, nextTimestamp } from './time';
import type { Page, PageRequest, UserProfile } from './types';
import { isUuid, parseLimit, parseMessageText, parseUuid } from './validation';

export const REASON_MAX_CHARS = 500;

export type ReportStatus = 'open' | 'resolved';

/** What the reporter gets back: never the report's handling. */
export interface ReportReceipt {
  report_id: string;
  message_group_uuid: string;
  message_uuid: string;
  reason: string;
  created_at: string;
}

/** What operators see. */
export interface Report extends ReportReceipt {
  status: ReportStatus;
  reporter: { uuid: string; handle: string; display_name: string };
  message: { text: string; created_at: string; sender_uuid: string; sender_handle: string; sender_display_name: string };
  resolved_at?: string;
  resolution?: string;
}

/** The reason's rules are the message text's (visible, clean Unicode), at most 500 characters. */
export function parseReason(value: unknown): string {
  let reason: string;
  try {
    reason = parseMessageText(value);
  } catch {
    throw new ValidationError(`reason must be 1-${REASON_MAX_CHARS} characters of visible text`);
  }
  if ([...reason].length > REASON_MAX_CHARS) {
    throw new ValidationError(`reason must be 1-${REASON_MAX_CHARS} characters of visible text`);
  }
  return reason;
}

export function isReportId(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const at = value.lastIndexOf('#');
  return at > 0 && isTimestamp(value.slice(0, at)) && isUuid(value.slice(at + 1));
}

function receiptOf(item: Item): ReportReceipt {
  return {
    report_id: String(item.sk),
    message_group_uuid: String(item.reported_group_uuid),
    message_uuid: String(item.message_uuid),
    reason: String(item.reason),
    created_at: canonicalTimestamp(String(item.created_at)),
  };
}

function reportOf(item: Item): Report {
  const snapshot = item.message as Record<string, unknown>;
  return {
    ...receiptOf(item),
    status: item.report_status === 'resolved' ? 'resolved' : 'open',
    reporter: {
      uuid: String(item.reporter_uuid),
      handle: String(item.reporter_handle),
      display_name: String(item.reporter_display_name),
    },
    message: {
      text: String(snapshot.text),
      created_at: String(snapshot.created_at),
      sender_uuid: String(snapshot.sender_uuid),
      sender_handle: String(snapshot.sender_handle),
      sender_display_name: String(snapshot.sender_display_name),
    },
    ...(typeof item.resolved_at === 'string' ? { resolved_at: item.resolved_at } : {}),
    ...(typeof item.resolution_note === 'string' ? { resolution: item.resolution_note } : {}),
  };
}

/**
 * `reporter` reports a message of a conversation they are in. Requests: membership GetItem
 * and the message lookup in parallel (domain/find-message.ts: 1 GetItem by the key a UUIDv7
 * message uuid carries; an older v4 uuid: a Query of the conversation, newest first, filtered
 * on `message_uuid`, 1 per 1 MB page read until found), then 1 TransactWriteItems; a repeat reads the first report (1 GetItem).
 * Not a member: 404 as for any conversation you are not in, answered after the membership
 * read only. Unknown message: 404. Your own message: 400.
 */
export async function reportMessage(
  reporter: Pick<UserProfile, 'uuid' | 'handle' | 'display_name'>,
  groupUuid: string,
  messageUuid: string,
  rawReason: unknown,
): Promise<ReportReceipt> {
  const group = parseUuid(groupUuid, 'message_group_uuid');
  const messageId = parseUuid(messageUuid, 'message_uuid');
  const lookup = findMessageItem(group, messageId);
  lookup.catch(() => undefined); // settled later, or never awaited (non-members)
  if (!(await isMember(group, reporter.uuid))) throw conversationNotFound();
  const reason = parseReason(rawReason);
  const found = await lookup;
  if (!found) throw new NotFoundError('message not found');
  const message = messageFromItem(group, found);
  if (message.user_uuid === reporter.uuid) throw new ValidationError('you cannot report your own message');
  // A tombstone (#17) has no text left to report.
  if (message.deleted) throw new ConflictError('this message was deleted');

  const createdAt = nextTimestamp();
  const reportId = `${createdAt}#${newUuid()}`;
  const item = {
    ...keys.report(reportId),
    // Not `message_group_uuid`: that attribute puts an item in the sparse GSI, which must hold
    // conversation rows only (pattern E and the legacy adoption read it).
    reported_group_uuid: group,
    message_uuid: messageId,
    reason,
    created_at: createdAt,
    report_status: 'open',
    reporter_uuid: reporter.uuid,
    reporter_handle: reporter.handle,
    reporter_display_name: reporter.display_name,
    reported_user_uuid: message.user_uuid,
    message: {
      text: message.message,
      created_at: canonicalTimestamp(message.created_at),
      sender_uuid: message.user_uuid,
      sender_handle: message.user_handle,
      sender_display_name: message.user_display_name,
    },
  };
  try {
    await transactWrite({
      reported: putIfAbsentAction({ ...keys.reported(reporter.uuid, messageId), report_id: reportId }, { returnOld: true }),
      report: putIfAbsentAction(item),
    });
    return receiptOf(item);
  } catch (error) {
    if (!(error instanceof TransactionCancelledError)) throw error;
    const first = error.item('reported')?.report_id;
    if (typeof first !== 'string') throw error;
    const existing = await getItem(keys.report(first), { consistent: true });
    if (!existing) throw error;
    return receiptOf(existing);
  }
}

const REPORT_LIST = 'reports';

/**
 * Operators: reports newest first, 1 Query per page; `status` keeps one status only (a filter,
 * so a page may hold fewer than `limit` and still have a next one).
 */
export async function listReports(page: PageRequest & { status?: ReportStatus } = {}): Promise<Page<Report>> {
  const after = page.cursor === undefined ? undefined : decodeKeyCursor(page.cursor, REPORT_LIST, 'all', isReportId);
  const { items, lastKey } = await queryKeyPage({
    pk: keys.reportsPartition(),
    limit: parseLimit(page.limit),
    after,
    forward: false,
    consistent: true,
  });
  const reports = items.map(reportOf).filter((report) => page.status === undefined || report.status === page.status);
  return { items: reports, ...(lastKey ? { nextCursor: encodeKeyCursor(REPORT_LIST, 'all', lastKey) } : {}) };
}

/**
 * Operators: marks an open report resolved with a note. Resolving a resolved report changes
 * nothing and returns it as it is; an unknown id is a NotFoundError.
 */
export async function resolveReport(reportId: string, note: string): Promise<Report> {
  if (!isReportId(reportId)) throw new ValidationError('report_id must be a report id from listReports');
  const resolution = parseReason(note);
  const key = keys.report(reportId);
  try {
    await transactWrite({
      resolve: updateAction(key, 'SET report_status = :resolved, resolved_at = :at, resolution_note = :note', {
        if: 'attribute_exists(pk) AND report_status = :open',
        values: { ':resolved': 'resolved', ':open': 'open', ':at': nextTimestamp(), ':note': resolution },
      }),
    });
  } catch (error) {
    if (!(error instanceof TransactionCancelledError) || !error.failed('resolve')) throw error;
  }
  const item = await getItem(key, { consistent: true });
  if (!item) throw new NotFoundError(`no report ${reportId}`);
  return reportOf(item);
}
