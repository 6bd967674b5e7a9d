/**
 * Cognito → profiles, in bulk: lists every user of the pool (all pages) and
 * links or creates their profiles by handle — the same rule as the PostConfirmation
 * trigger, so it repairs users whose trigger failed and links profiles that existed before
 * Cognito (the replacement for the old "update cognito user ids" script). Idempotent.
 * Unconfirmed users are skipped: their profile is made when they confirm.
 */
import { CognitoIdentityProviderClient, ListUsersCommand, type UserType } from '@aws-sdk/client-cognito-identity-provider';
import { authConfig } from './config';
import { addClientBoundary } from './dynamodb';
import { DomainError } from './errors';
import { registerCognitoUser, type RegistrationOutcome } from './users';

export interface SyncSummary {
  users: number;
  existing: number;
  linked: number;
  created: number;
  skipped: Array<{ username: string; reason: string }>;
}

let client: CognitoIdentityProviderClient | undefined;

function cognito(): CognitoIdentityProviderClient {
  const { endpoint, region } = authConfig();
  if (client) return client;
  client = new CognitoIdentityProviderClient({ maxAttempts: 3, region, ...(endpoint ? { endpoint } : {}) });
  // The same smithy stack class as DynamoDB's, typed for Cognito's commands; the boundary
  // passes inputs and outputs through untouched.
  addClientBoundary(client.middlewareStack as unknown as Parameters<typeof addClientBoundary>[0], 'Cognito');
  return client;
}

function attribute(user: UserType, name: string): string | undefined {
  return user.Attributes?.find((a) => a.Name === name)?.Value;
}

export async function syncCognitoUsers(userPoolId: string = authConfig().userPoolId): Promise<SyncSummary> {
  const summary: SyncSummary = { users: 0, existing: 0, linked: 0, created: 0, skipped: [] };
  let PaginationToken: string | undefined;
  do {
    const page = await cognito().send(new ListUsersCommand({ UserPoolId: userPoolId, PaginationToken }));
    for (const user of page.Users ?? []) {
      summary.users++;
      const username = user.Username ?? '?';
      if (user.UserStatus !== 'CONFIRMED' && user.UserStatus !== 'EXTERNAL_PROVIDER') {
        summary.skipped.push({ username, reason: `status ${user.UserStatus}` });
        continue;
      }
      try {
        const email = attribute(user, 'email');
        const { outcome } = await registerCognitoUser({
          sub: attribute(user, 'sub') ?? '',
          handle: attribute(user, 'preferred_username') ?? '',
          display_name: attribute(user, 'name') ?? attribute(user, 'preferred_username') ?? '',
          ...(email ? { email } : {}),
          emailVerified: attribute(user, 'email_verified') === 'true',
        });
        summary[outcome satisfies RegistrationOutcome]++;
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        summary.skipped.push({ username, reason: error.message });
      }
    }
    PaginationToken = page.PaginationToken;
  } while (PaginationToken);
  return summary;
}
