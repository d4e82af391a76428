// How many subscriptions each WebSocket connection holds open, against --max-subscriptions.
import type { Context } from 'graphql-ws';

/**
 * graphql-ws lists a connection's running operations (queries too) in `context.subscriptions`
 * from the moment their subscribe message arrives until they end, however they end (complete,
 * error, the client's `complete`, a disconnect): a subscription holds its slot exactly while it
 * is listed there.
 */
export class SubscriptionSlots {
  private readonly subscriptionIds = new WeakMap<Context, Set<string>>();

  constructor(private readonly limit: number) {}

  /** Takes a slot for subscription `id` of `context`'s connection; false when all are taken. */
  take(context: Context, id: string): boolean {
    let ids = this.subscriptionIds.get(context);
    if (ids === undefined) this.subscriptionIds.set(context, (ids = new Set()));
    for (const open of ids) if (!(open in context.subscriptions)) ids.delete(open);
    if (ids.size >= this.limit) return false;
    ids.add(id);
    return true;
  }
}
