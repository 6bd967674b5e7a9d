/**
 * Sign-up admission (Cognito PreSignUp trigger): the handle and display name a new account
 * asks for are checked before the account exists, so a sign-up that PostConfirmation would
 * refuse (taken or malformed handle, a name that breaks the text rules) never leaves a
 * confirmed Cognito user without a Cruddur profile.
 *
 * A handle held by an unlinked profile (seeded, or from before Cognito) is admitted when the
 * email matches: PostConfirmation links it once Cognito has verified that email, and refuses
 * otherwise. The final word on uniqueness stays with PostConfirmation's conditional writes;
 * this is the early, friendly answer.
 *
 * Requests: 1 GetItem (consistent: a profile created a moment ago must count).
 */
import { ConflictError } from './errors';
import { parseDisplayName } from './text';
import { findUserByHandle, sameEmailAddress } from './users';
import { parseHandle } from './validation';

export interface SignUpRequest {
  /** `preferred_username` */
  handle: string;
  /** `name` */
  display_name: string;
  email?: string;
}

/** Resolves when the sign-up may go ahead; a ValidationError or ConflictError says why not. */
export async function admitSignUp(request: SignUpRequest): Promise<void> {
  const handle = parseHandle(request.handle, 'preferred_username');
  parseDisplayName(request.display_name);
  const holder = await findUserByHandle(handle, true);
  if (!holder) return;
  const claimable = !holder.cognito_user_id && !!holder.email && !!request.email && sameEmailAddress(holder.email, request.email);
  if (!claimable) throw new ConflictError(`handle "${handle}" is taken`);
}
