// Reciprocal-rank fusion: several ranked lists become one, each item scored Σ 1 / (k + rank) over the lists
// that hold it (Cormack, Clarke & Büttcher, 2009). Ranks, not scores, are combined, so lists scored on
// different scales (full-text rank, cosine similarity) fuse without calibration.

/** The constant of the formula: larger values flatten the advantage of the first ranks. */
export const RRF_K = 60;

export interface Fused<T> {
  item: T;
  score: number;
  /** The item's 1-based rank in each list, undefined where a list lacks it. */
  ranks: (number | undefined)[];
}

/**
 * Fuses `lists` (each best first) into one, best first; items are the same when `key` says so, and the first
 * list that holds an item provides it. Ties keep the order in which items were first met.
 */
export function reciprocalRankFusion<T>(
  lists: readonly (readonly T[])[],
  key: (item: T) => string,
  k = RRF_K,
): Fused<T>[] {
  const fused = new Map<string, Fused<T> & { order: number }>();
  lists.forEach((list, which) => {
    list.forEach((item, index) => {
      const id = key(item);
      let entry = fused.get(id);
      if (!entry) {
        entry = { item, score: 0, ranks: lists.map(() => undefined), order: fused.size };
        fused.set(id, entry);
      }
      // An item listed twice in one list counts once, at its best rank.
      if (entry.ranks[which] !== undefined) return;
      entry.ranks[which] = index + 1;
      entry.score += 1 / (k + index + 1);
    });
  });
  return [...fused.values()]
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .map(({ order: _order, ...entry }) => entry);
}
