// Runs operations one after another per key (a watch, an item), in the order they were asked for;
// operations on different keys run side by side. A failed operation does not stop the next one.

export class KeyedSerial {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(fn);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Resolves once every operation asked for so far has ended. */
  async settled(): Promise<void> {
    await Promise.all(this.tails.values());
  }
}
