/**
 * Cognito → profiles. Two callers, one rule (registerCognitoUser in domain/users.ts):
 *
 * - `cognitoUserFor` (PostConfirmation trigger): the confirmed user as Cognito holds it,
 *   read back with AdminGetUser, never taken from the event alone. The event's `sub` must be
 *   that user's own and no other pool user's (ListUsers by `sub`), and `email_verified` is
 *   Cognito's. A sign-up that smuggled in another user's `sub` or a self-declared verified
 *   flag (cognito-local accepted both, #21) therefore never reaches a profile.
 * - `syncCognitoUsers` (ops, bulk): lists every user of the pool (all pages) and links or
 *   creates their profiles — it repairs users whose trigger failed and links profiles that
 *   existed before Cognito (the replacement for the old "update cognito user ids" script).
 *   Idempotent. Unconfirmed users are skipped (their profile is made when they confirm), and so
 *   is every user whose `sub` another pool user also carries: such a sub is not Cognito's own.
 *
 * Requests: cognitoUserFor 1 AdminGetUser + 1 ListUsers; syncCognitoUsers 1 ListUsers per page
 * + what registerCognitoUser makes per user.
 */
import {
  AdminGetUserCommand,
  type AttributeType,
  CognitoIdentityProviderClient,
  ListUsersCommand,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import { authConfig, cognitoApiConfig } from './config';
import { addClientBoundary } from './dynamodb';
import { ConflictError, DomainError, ValidationError } from './errors';
import { type CognitoUser, registerCognitoUser, type RegistrationOutcome } from './users';

export interface SyncSummary {
  users: number;
  existing: number;
  linked: number;
  created: number;
  skipped: Array<{ username: string; reason: string }>;
}

let client: CognitoIdentityProviderClient | undefined;

function cognito(): CognitoIdentityProviderClient {
  const { endpoint, region } = cognitoApiConfig();
  if (client) return client;
  client = new CognitoIdentityProviderClient({ maxAttempts: 3, region, ...(endpoint ? { endpoint } : {}) });
  // The same smithy stack class as DynamoDB's, typed for Cognito's commands; the boundary
  // passes inputs and outputs through untouched.
  addClientBoundary(client.middlewareStack as unknown as Parameters<typeof addClientBoundary>[0], 'Cognito');
  return client;
}

function attribute(attributes: AttributeType[] | undefined, name: string): string | undefined {
  return attributes?.find((a) => a.Name === name)?.Value;
}

/** What a profile is made from, as Cognito holds it. */
function asCognitoUser(attributes: AttributeType[] | undefined): CognitoUser {
  const email = attribute(attributes, 'email');
  return {
    sub: attribute(attributes, 'sub') ?? '',
    handle: attribute(attributes, 'preferred_username') ?? '',
    display_name: attribute(attributes, 'name') ?? attribute(attributes, 'preferred_username') ?? '',
    ...(email ? { email } : {}),
    emailVerified: attribute(attributes, 'email_verified') === 'true',
  };
}

/** Cognito subs are UUIDs; anything else cannot be one and must not reach a ListUsers filter. */
const COGNITO_SUB = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The user a PostConfirmation event names (`userPoolId`, `userName`), read from Cognito.
 * ConflictError when the event's `sub` is not that user's own, or another pool user carries
 * the same sub.
 */
export async function cognitoUserFor(userPoolId: string, userName: string, eventSub: string): Promise<CognitoUser> {
  if (!userPoolId || !userName) throw new ValidationError('the event names no user pool or user');
  const user = await cognito()
    .send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: userName }))
    .catch((error: unknown) => {
      if ((error as { name?: string }).name === 'UserNotFoundException') throw new ConflictError('the pool has no such user');
      throw error;
    });
  const held = asCognitoUser(user.UserAttributes);
  if (!COGNITO_SUB.test(held.sub) || held.sub !== eventSub) {
    throw new ConflictError('the confirmed user is not the one the event names');
  }
  const sharing = await cognito().send(new ListUsersCommand({ UserPoolId: userPoolId, Filter: `sub = "${held.sub}"`, Limit: 2 }));
  if ((sharing.Users ?? []).length !== 1) throw new ConflictError('this Cognito user id is not unique in the pool');
  return held;
}

export async function syncCognitoUsers(userPoolId: string = authConfig().userPoolId): Promise<SyncSummary> {
  const summary: SyncSummary = { users: 0, existing: 0, linked: 0, created: 0, skipped: [] };
  const users: UserType[] = [];
  let PaginationToken: string | undefined;
  do {
    const page = await cognito().send(new ListUsersCommand({ UserPoolId: userPoolId, PaginationToken }));
    users.push(...(page.Users ?? []));
    PaginationToken = page.PaginationToken;
  } while (PaginationToken);

  const holders = new Map<string, number>();
  for (const user of users) {
    const sub = attribute(user.Attributes, 'sub') ?? '';
    holders.set(sub, (holders.get(sub) ?? 0) + 1);
  }
  for (const user of users) {
    summary.users++;
    const username = user.Username ?? '?';
    if (user.UserStatus !== 'CONFIRMED' && user.UserStatus !== 'EXTERNAL_PROVIDER') {
      summary.skipped.push({ username, reason: `status ${user.UserStatus}` });
      continue;
    }
    const held = asCognitoUser(user.Attributes);
    if (!COGNITO_SUB.test(held.sub) || holders.get(held.sub) !== 1) {
      summary.skipped.push({ username, reason: 'its sub is not a Cognito user id of its own' });
      continue;
    }
    try {
      const { outcome } = await registerCognitoUser(held);
      summary[outcome satisfies RegistrationOutcome]++;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      summary.skipped.push({ username, reason: error.message });
    }
  }
  return summary;
}
