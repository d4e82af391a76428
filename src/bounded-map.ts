// A Map that holds at most `limit` entries, dropping the oldest insertion first: the decode
// caches keyed by stored text use it so that memory stays bounded on any database.

export class BoundedMap<Key, Value> extends Map<Key, Value> {
  constructor(private readonly limit: number) {
    super();
  }

  override set(key: Key, value: Value): this {
    if (!this.has(key) && this.size >= this.limit) this.delete(this.keys().next().value as Key);
    return super.set(key, value);
  }
}
