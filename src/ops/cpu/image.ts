/** Float64 reference for imageNormalize: HWC → NCHW, (x·scale − mean) / std. */
export function imageNormalizeCpu(pixels: ArrayLike<number>, o: { batch: number; height: number; width: number; channels: number; stride?: number; mean: readonly number[]; std: readonly number[]; scale: number }): Float64Array {
  const { batch: B, height: H, width: W, channels: C } = o;
  const S = o.stride ?? C;
  const out = new Float64Array(B * C * H * W);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const v = pixels[((b * H + y) * W + x) * S + c]!;
          out[((b * C + c) * H + y) * W + x] = (v * o.scale - o.mean[c]!) / o.std[c]!;
        }
      }
    }
  }
  return out;
}
