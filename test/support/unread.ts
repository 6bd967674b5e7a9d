/**
 * The truth of #17's unread counts, counted the slow way from the items themselves (never from
 * the code under test): a member's unread count is the number of the conversation's messages
 * by others whose time is after the member's read marker (membership `last_read_at`), by instant.
 */
import { keys } from '../../domain/keys';
import { timestampMicros } from '../../domain/time';
import { getItem, partition } from './fixtures';

export interface ReadTruth {
  unread_count: number;
  /** The membership's marker, or undefined without one. */
  last_read_at: string | undefined;
}

/** `upTo`: only messages up to this time (a row's position: what the row has seen). */
export async function readTruth(group: string, member: string, upTo?: string): Promise<ReadTruth> {
  const membership = await getItem(keys.membership(group, member));
  const marker = typeof membership?.last_read_at === 'string' ? membership.last_read_at : undefined;
  const markerAt = marker === undefined ? Number.NEGATIVE_INFINITY : (timestampMicros(marker) as number);
  const messages = await partition(keys.messagePartition(group));
  const top = upTo === undefined ? Number.POSITIVE_INFINITY : (timestampMicros(upTo) as number);
  const unread = messages.filter((m) => {
    const at = timestampMicros(m.sk) as number;
    return m.user_uuid !== member && at > markerAt && at <= top;
  }).length;
  return { unread_count: unread, last_read_at: marker };
}

/** The row attributes the truth implies (`last_read_at` only when there is a marker). */
export async function readAttributesOf(group: string, member: string, upTo?: string): Promise<Record<string, unknown>> {
  const truth = await readTruth(group, member, upTo);
  return { unread_count: truth.unread_count, ...(truth.last_read_at === undefined ? {} : { last_read_at: truth.last_read_at }) };
}
