/**
 * The stream filter in serverless.yml names the message partition by a literal prefix
 * (`MSG#`); the code builds that key in domain/keys.ts. This ties the two together on the
 * packaged prod template, so renaming one without the other fails here rather than silently
 * stopping pattern E (a filter that matches nothing invokes nothing).
 */
import { groupUuidOfMessagePartition, keys } from '../../domain/keys';
import { loadTemplate, resourcesOfType } from './template';

interface Pattern {
  eventName?: string[];
  dynamodb?: { Keys?: { pk?: { S?: Array<{ prefix?: string }> } } };
}

function streamPatterns(): Pattern[] {
  // Pattern E's mapping (the realtime fan-out has its own, with its own filter: test/template/websocket.test.ts).
  const mappings = resourcesOfType(loadTemplate(), 'AWS::Lambda::EventSourceMapping').filter(
    ([, mapping]) =>
      JSON.stringify(mapping.Properties?.FunctionName) ===
      JSON.stringify({ 'Fn::GetAtt': ['UpdateConversationRowsLambdaFunction', 'Arn'] }),
  );
  expect(mappings).toHaveLength(1);
  const filters =
    (mappings[0]![1].Properties?.FilterCriteria as { Filters?: Array<{ Pattern: string }> } | undefined)?.Filters ?? [];
  return filters.map((filter) => JSON.parse(filter.Pattern) as Pattern);
}

test('the stream filter passes INSERTs, MODIFYs and REMOVEs (#17: edits, deletions) whose pk starts with the message partition prefix of domain/keys.ts, and nothing else', () => {
  const patterns = streamPatterns();
  expect(patterns).toHaveLength(1);
  const [pattern] = patterns;
  expect(pattern!.eventName).toEqual(['INSERT', 'MODIFY', 'REMOVE']);
  const prefixes = (pattern!.dynamodb?.Keys?.pk?.S ?? []).map((match) => match.prefix);
  // keys.messagePartition('') is the prefix itself; the handler reads groups back from the same builder.
  expect(prefixes).toEqual([keys.messagePartition('')]);
  const group = '5a7e3c19-2f4d-4b8a-9c61-3e0d8f7b2a44';
  expect(keys.messagePartition(group).startsWith(prefixes[0]!)).toBe(true);
  expect(groupUuidOfMessagePartition(`${prefixes[0]}${group}`)).toBe(group);
  // No other item kind the table holds passes the filter (its writes would invoke pattern E for nothing).
  const user = '6f1c2a8e-1d4b-4c6e-9a51-0b7f3e2d4c11';
  const others = [
    keys.conversationPartition(user),
    keys.membership(group, user).pk,
    keys.pair(user, group).pk,
    keys.userProfile(user).pk,
    keys.userHandle('ada').pk,
    keys.userCognitoSub('sub-1').pk,
    keys.idempotency(user, 'k').pk,
  ];
  expect(others.filter((pk) => pk.startsWith(prefixes[0]!))).toEqual([]);
});
