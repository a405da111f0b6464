/** The dropout kernels' keep threshold for drop probability p: an element is kept when its u32 hash is ≥ p · 2³². */
export function dropoutThreshold(p: number): number {
  return Math.min(0xffffffff, Math.round(p * 2 ** 32));
}
