/**
 * Comparing an exact top-k with another library's (FAISS, PyTorch): both must hold the same distances,
 * and the same items at every distance below the k-th; at the k-th distance itself each library breaks
 * ties its own way (cmhash: ascending database index), so there only the count must agree, every item
 * must be distinct and — when `distanceOf` recomputes it — really lie at that distance.
 */
import type { TopKResult } from './cpu-scan.js';

export interface ForeignTopK {
  indices: ArrayLike<number | bigint>;
  distances: ArrayLike<number>;
}

/** null when `theirs` is an exact top-k equal to `ours` as sets per distance; else the first difference. */
export function topKDifference(ours: TopKResult, theirs: ForeignTopK, nq: number, k: number, distanceOf?: (q: number, item: number) => number): string | null {
  if (ours.indices.length !== nq * k || theirs.indices.length < nq * k || theirs.distances.length < nq * k) {
    return `sizes differ: ours ${ours.indices.length}, theirs ${theirs.indices.length} (nq ${nq} × k ${k})`;
  }
  for (let q = 0; q < nq; q++) {
    const o = q * k;
    const kth = ours.distances[o + k - 1]!;
    const mine = new Map<number, number>(); // item → distance, below the k-th distance
    for (let j = 0; j < k; j++) if (ours.distances[o + j]! < kth) mine.set(ours.indices[o + j]!, ours.distances[o + j]!);
    const seen = new Set<number>();
    let below = 0;
    const td = Array.from({ length: k }, (_, j) => theirs.distances[o + j]!).sort((a, b) => a - b);
    for (let j = 0; j < k; j++) {
      if (td[j] !== ours.distances[o + j]) return `query ${q}: sorted distance ${j} is ${td[j]} (theirs) vs ${ours.distances[o + j]} (ours)`;
    }
    for (let j = 0; j < k; j++) {
      const item = Number(theirs.indices[o + j]!), d = theirs.distances[o + j]!;
      if (seen.has(item)) return `query ${q}: item ${item} appears twice in theirs`;
      seen.add(item);
      if (distanceOf && distanceOf(q, item) !== d) return `query ${q}: theirs lists item ${item} at distance ${d}, its distance is ${distanceOf(q, item)}`;
      if (d < kth) {
        if (mine.get(item) !== d) return `query ${q}: theirs has item ${item} at distance ${d}, ours ${mine.has(item) ? `at ${mine.get(item)}` : 'does not'}`;
        below++;
      } else if (mine.has(item)) return `query ${q}: item ${item} is at distance ${d} in theirs, ${mine.get(item)} in ours`;
    }
    if (below !== mine.size) return `query ${q}: ${below} items below distance ${kth} in theirs, ${mine.size} in ours`;
  }
  return null;
}
