import { groupUuidOfMessagePartition, isMessagePartition, keys, userUuidOfConversationPartition } from '../../domain/keys';

const group = '5a7e3c19-2f4d-4b8a-9c61-3e0d8f7b2a44';
const user = '6f1c2a8e-1d4b-4c6e-9a51-0b7f3e2d4c11';

describe('keys', () => {
  it('keep the original Cruddur message and conversation-row shapes', () => {
    expect(keys.message(group, '2026-01-01T00:00:00.000000Z')).toEqual({ pk: `MSG#${group}`, sk: '2026-01-01T00:00:00.000000Z' });
    expect(keys.conversation(user, '2026-01-01T00:00:00.000000Z')).toEqual({ pk: `GRP#${user}`, sk: '2026-01-01T00:00:00.000000Z' });
  });

  it('read the conversation back from a message partition key, and nothing from other items', () => {
    expect(groupUuidOfMessagePartition(keys.messagePartition(group))).toBe(group);
    expect(isMessagePartition(keys.messagePartition(group))).toBe(true);
    for (const other of [keys.conversationPartition(user), keys.membership(group, user).pk, keys.pair(user, group).pk, keys.userProfile(user).pk]) {
      expect(groupUuidOfMessagePartition(other)).toBeUndefined();
    }
  });

  it('read the member back from a conversation-row partition key, and nothing from a message', () => {
    expect(userUuidOfConversationPartition(keys.conversationPartition(user))).toBe(user);
    expect(userUuidOfConversationPartition(keys.messagePartition(group))).toBeUndefined();
  });

  it('give every item kind its own partition prefix, so no key of one kind is a key of another', () => {
    const pks = [
      keys.messagePartition(group),
      keys.conversationPartition(user),
      keys.membershipPartition(group),
      keys.pair(user, group).pk,
      keys.userProfile(user).pk,
      keys.userHandle('ada').pk,
      keys.userCognitoSub(user).pk,
      keys.idempotency(user, 'k').pk,
    ];
    const prefixes = pks.map((pk) => pk.replace(/[0-9a-f-]{36}.*$|ada$|k$/, ''));
    expect(new Set(prefixes).size).toBe(pks.length);
  });
});
