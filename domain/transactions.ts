import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

export interface CancellationReason {
  code: string;
  /** The item as it was, when the action asked for ALL_OLD on a failed condition. */
  item?: Record<string, unknown>;
}

/** Reasons in action order when `error` is a cancelled transaction, otherwise undefined. */
export function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  return (error.CancellationReasons ?? []).map((reason) => ({
    code: reason.Code ?? 'None',
    ...(reason.Item ? { item: unmarshall(reason.Item) } : {}),
  }));
}

export function isConditionalCheckFailure(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}

const CONFLICT_RETRIES = 5;

export function isTransactionConflict(error: unknown): boolean {
  return (
    (error as { name?: string } | null)?.name === 'TransactionConflictException' ||
    (cancellationReasons(error)?.some((reason) => reason.code === 'TransactionConflict') ?? false)
  );
}

/**
 * Runs `attempt` again when DynamoDB cancelled it for a conflict with another transaction
 * in flight on the same items: that is contention, not a verdict, and a retry decides it.
 */
export async function retryOnTransactionConflict<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isTransactionConflict(error) || tries > CONFLICT_RETRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * 2 ** tries));
    }
  }
}
