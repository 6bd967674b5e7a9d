/**
 * `POST /api/messages/{message_group_uuid}/{message_uuid}/report` `{reason}`: a member reports
 * someone else's message (domain/reports.ts); 200 the receipt `{report_id, message_group_uuid,
 * message_uuid, reason, created_at}`. Idempotent per reporter and message: a repeat answers the
 * first receipt and writes nothing. Not a member: 404. The reporter is always the caller.
 */
import * as z from 'zod/mini';
import { reportMessage } from '../../domain/reports';
import { httpHandler } from './middleware';
import { route } from './validation';

// Ids stay strings here: the domain checks they are uuids (after membership for the reason).
const Request = route(
  {
    path: z.object({ message_group_uuid: z.string(), message_uuid: z.string() }),
    body: z.object({ reason: z.string() }),
  },
  'send {reason}',
);

export const handler = httpHandler({ auth: true, request: Request }, async ({ input, caller }) => {
  const { message_group_uuid, message_uuid } = input.path;
  return { body: await reportMessage(caller, message_group_uuid, message_uuid, input.body.reason) };
});
