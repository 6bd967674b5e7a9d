/** Fresh Cognito users per test: signed up through cognito-local, so the PostConfirmation path runs. */
import { randomUUID } from 'node:crypto';
import type { UserProfile } from '../../domain/types';
import { findUserByHandle } from '../../domain/users';
import { login, signUp, type TestUser } from '../support/stack';

export const PASSWORD = 'Test-Passw0rd!';

export interface SignedInUser extends TestUser {
  token: string;
  idToken: string;
  profile: UserProfile;
}

export function newTestUser(name = 'Test User'): TestUser {
  const id = randomUUID().replace(/-/g, '').slice(0, 12);
  return { email: `u${id}@example.com`, password: PASSWORD, handle: `u_${id}`, display_name: name };
}

export async function signedInUser(name?: string): Promise<SignedInUser> {
  const user = newTestUser(name);
  await signUp(user);
  const [tokens, profile] = await Promise.all([login(user.email, user.password), findUserByHandle(user.handle)]);
  if (!profile) throw new Error(`sign-up of ${user.handle} created no profile`);
  return { ...user, token: tokens.accessToken, idToken: tokens.idToken, profile };
}
