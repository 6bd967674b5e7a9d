import { randomUUID } from 'node:crypto';
import { ConflictError, ValidationError } from '../../domain/errors';
import { admitSignUp } from '../../domain/sign-up';
import { createUserProfile } from '../../domain/users';
import { uniqueHandle } from '../support/fixtures';

describe('sign-up admission (PreSignUp)', () => {
  it('admits a free handle with a good name', async () => {
    await expect(admitSignUp({ handle: uniqueHandle('free'), display_name: 'Free Handle' })).resolves.toBeUndefined();
  });

  it('refuses a handle linked to a Cognito user, in any letter case', async () => {
    const handle = uniqueHandle('linked');
    await createUserProfile({ handle, display_name: 'Linked', email: 'l@example.com', cognito_user_id: randomUUID() });
    await expect(admitSignUp({ handle: handle.toUpperCase(), display_name: 'X', email: 'l@example.com' })).rejects.toThrow(
      ConflictError,
    );
  });

  it('admits an unlinked profile only for its own email (ASCII case-insensitive)', async () => {
    const handle = uniqueHandle('unlinked');
    await createUserProfile({ handle, display_name: 'Seeded', email: 'seeded@example.com' });
    await expect(admitSignUp({ handle, display_name: 'Seeded', email: 'SEEDED@example.com' })).resolves.toBeUndefined();
    await expect(admitSignUp({ handle, display_name: 'Seeded', email: 'other@example.com' })).rejects.toThrow(ConflictError);
    await expect(admitSignUp({ handle, display_name: 'Seeded' })).rejects.toThrow(ConflictError);
  });

  it.each([
    ['a handle with a Cyrillic look-alike letter', { handle: '\u0430da', display_name: 'Ada' }],
    ['an empty handle', { handle: '', display_name: 'Ada' }],
    ['a name of zero-width spaces', { handle: 'zw_name', display_name: '\u200B\u200B' }],
    ['a name with a newline', { handle: 'nl_name', display_name: 'Ada\nLovelace' }],
  ])('refuses %s', async (_label, request) => {
    await expect(admitSignUp(request)).rejects.toThrow(ValidationError);
  });
});
