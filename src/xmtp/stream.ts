// A push-fed async iterable, like the SDK's Stream: `for await (const x of stream)`, ended with
// `return()` (or `close()`), which also releases the network subscription behind it.

export class Stream<T> implements AsyncIterableIterator<T> {
  private readonly queue: T[] = [];
  private readonly waiting: Array<(r: IteratorResult<T>) => void> = [];
  private done = false;
  private onClose: (() => void) | undefined;
  /** Resolves once the network subscription is registered: later publishes will be delivered. */
  ready: Promise<void> = Promise.resolve();

  /** Set by the producer: what to release when the consumer stops. */
  setOnClose(fn: () => void): void {
    this.onClose = fn;
    if (this.done) fn();
  }

  push(value: T): void {
    if (this.done) return;
    const w = this.waiting.shift();
    if (w) w({ value, done: false });
    else this.queue.push(value);
  }

  get closed(): boolean {
    return this.done;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.queue.length) return Promise.resolve({ value: this.queue.shift()!, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async return(): Promise<IteratorResult<T>> {
    this.close();
    return { value: undefined, done: true };
  }

  close(): void {
    if (this.done) return;
    this.done = true;
    this.queue.length = 0;
    for (const w of this.waiting.splice(0)) w({ value: undefined, done: true });
    this.onClose?.();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}

/** Runs async handlers one at a time in call order (stream decode must keep envelope order). */
export function serial<A>(fn: (arg: A) => Promise<void>): (arg: A) => void {
  let chain = Promise.resolve();
  return (arg: A) => {
    chain = chain.then(() => fn(arg)).catch(() => {});
  };
}
