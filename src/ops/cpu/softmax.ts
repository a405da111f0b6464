/** Float64 reference for row softmax / log-softmax with scale and broadcast additive mask. */
import { broadcastStrides, sizeOf } from '../../tensor/shape.js';
import type { CpuArray } from './array.js';

export function cpuSoftmax(x: CpuArray, opts: { scale?: number; mask?: CpuArray; log?: boolean } = {}): CpuArray {
  const scale = opts.scale ?? 1;
  const cols = x.shape[x.shape.length - 1]!;
  const rows = cols === 0 ? 0 : sizeOf(x.shape) / cols;
  const out = new Float64Array(x.data.length);
  const ms = opts.mask ? broadcastStrides(opts.mask.shape, x.shape) : null;
  const z = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    let moff = 0;
    if (ms) {
      let rem = r;
      for (let d = x.shape.length - 2; d >= 0; d--) {
        moff += (rem % x.shape[d]!) * ms[d]!;
        rem = Math.floor(rem / x.shape[d]!);
      }
    }
    for (let j = 0; j < cols; j++) z[j] = scale * x.data[r * cols + j]! + (ms ? opts.mask!.data[moff + j * ms[x.shape.length - 1]!]! : 0);
    let m = -Infinity;
    for (let j = 0; j < cols; j++) m = Math.max(m, z[j]!);
    let s = 0;
    for (let j = 0; j < cols; j++) s += Math.exp(z[j]! - m);
    for (let j = 0; j < cols; j++) out[r * cols + j] = opts.log ? z[j]! - m - Math.log(s) : Math.exp(z[j]! - m) / s;
  }
  return { shape: [...x.shape], data: out };
}
