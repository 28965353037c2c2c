/**
 * A typed, synchronous publish/subscribe bus: the one place the node's events go out to the layers that watch it
 * (safety, ops, analytics, web, deploy) and to its own read models (the dashboard's recent activity).
 *
 * Delivery is synchronous and in publish order, so a replay delivers the same events in the same order every time.
 * Subscribers must be quick (they run on the node's loop); one that has slow work to do queues it itself. A
 * subscriber that throws never stops the node or the other subscribers: the error goes to `onSubscriberError` and
 * delivery goes on. {@link wants} lets a publisher of high-rate events (market data) skip building an event nobody
 * listens to.
 */

/** What every event on a bus carries: a discriminating `type`. */
export interface BusEvent {
  readonly type: string;
}

/** Stops a subscription. Calling it twice is harmless. */
export type Unsubscribe = () => void;

/** Receives the events of one type (or every event). */
export type Subscriber<E> = (event: E) => void;

export class EventBus<E extends BusEvent> {
  private readonly byType = new Map<string, Subscriber<E>[]>();
  private everything: Subscriber<E>[] = [];

  constructor(private readonly onSubscriberError: (error: unknown, event: E) => void) {}

  /** Subscribes to one event type; returns the way to stop. */
  on<T extends E['type']>(type: T, subscriber: Subscriber<Extract<E, { type: T }>>): Unsubscribe {
    const list = [...(this.byType.get(type) ?? []), subscriber as Subscriber<E>];
    this.byType.set(type, list);
    return () => {
      const current = this.byType.get(type);
      if (current === undefined) return;
      const remaining = current.filter((s) => s !== subscriber);
      if (remaining.length === 0) this.byType.delete(type);
      else this.byType.set(type, remaining);
    };
  }

  /** Subscribes to every event, in publish order; returns the way to stop. */
  onAny(subscriber: Subscriber<E>): Unsubscribe {
    this.everything = [...this.everything, subscriber];
    return () => {
      this.everything = this.everything.filter((s) => s !== subscriber);
    };
  }

  /** Returns true when someone receives events of `type`: a publisher may skip building one nobody reads. */
  wants(type: E['type']): boolean {
    return this.everything.length > 0 || this.byType.has(type);
  }

  /** Delivers `event` to the subscribers of its type, then to those of every event. */
  publish(event: E): void {
    // Lists are replaced, never mutated, on (un)subscribe: a subscriber that unsubscribes during delivery is safe.
    const typed = this.byType.get(event.type);
    if (typed !== undefined) for (let i = 0; i < typed.length; i++) this.deliver(typed[i]!, event);
    const all = this.everything;
    for (let i = 0; i < all.length; i++) this.deliver(all[i]!, event);
  }

  private deliver(subscriber: Subscriber<E>, event: E): void {
    try {
      subscriber(event);
    } catch (error) {
      this.onSubscriberError(error, event);
    }
  }
}
