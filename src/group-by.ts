// Grouping a list by a key: batch queries answer for many owners at once, and their callers
// want each owner's share.

/** Groups items by `keyOf`, keeping their order within each group (optionally as `valueOf` of each). */
export function groupBy<Item, Key>(items: readonly Item[], keyOf: (item: Item) => Key): Map<Key, Item[]>;
export function groupBy<Item, Key, Value>(
  items: readonly Item[],
  keyOf: (item: Item) => Key,
  valueOf: (item: Item) => Value,
): Map<Key, Value[]>;
export function groupBy<Item, Key, Value>(
  items: readonly Item[],
  keyOf: (item: Item) => Key,
  valueOf?: (item: Item) => Value,
): Map<Key, (Item | Value)[]> {
  const groups = new Map<Key, (Item | Value)[]>();
  for (const item of items) {
    const key = keyOf(item);
    const value = valueOf ? valueOf(item) : item;
    const group = groups.get(key);
    if (group) group.push(value);
    else groups.set(key, [value]);
  }
  return groups;
}
