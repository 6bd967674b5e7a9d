/**
 * A user of a running offline stack, made as a real one is: sign-up through cognito-local, its
 * PostConfirmation trigger creating the profile, then a login. Returns the access token and the
 * profile once the trigger has written it (the domain must point at the stack's engine).
 */
import { findUserByCognitoSub } from '../../domain/users';
import { login, signUpUsers } from '../../local/cognito';
import type { RunningStack } from '../../test/support/stack';

export async function signedInStackUser(
  stack: RunningStack,
  account: { email: string; password: string; handle: string; display_name: string },
) {
  await signUpUsers({
    endpoint: stack.cognitoEndpoint,
    userPoolId: stack.userPoolId,
    clientId: stack.clientId,
    users: [account],
  });
  const { accessToken } = await login({
    endpoint: stack.cognitoEndpoint,
    clientId: stack.clientId,
    email: account.email,
    password: account.password,
  });
  const sub = JSON.parse(Buffer.from(accessToken.split('.')[1] as string, 'base64url').toString()).sub as string;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const caller = await findUserByCognitoSub(sub);
    if (caller) return { accessToken, caller };
    if (Date.now() > deadline) throw new Error('timed out waiting for the PostConfirmation trigger to create the profile');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
