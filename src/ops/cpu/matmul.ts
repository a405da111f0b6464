/** Float64 CPU references for matmul (all transposes, batching, bias, activations). */
export type CpuActivation = 'none' | 'relu' | 'tanh' | 'sigmoid' | 'scaledTanh' | 'scaledRelu';

export function cpuActivate(act: CpuActivation, x: number, alpha = 1): number {
  switch (act) {
    case 'none': return x;
    case 'relu': return x > 0 ? x : 0;
    case 'tanh': return Math.tanh(x);
    case 'sigmoid': return 1 / (1 + Math.exp(-x));
    case 'scaledTanh': return Math.tanh(alpha * x);
    case 'scaledRelu': return x > 0 ? alpha * x : 0;
  }
}

export interface CpuMatmulOptions {
  transA?: boolean;
  transB?: boolean;
  bias?: ArrayLike<number>;
  activation?: CpuActivation;
  alpha?: number;
}

/**
 * act(op(a)·op(b) + bias) in float64. aShape/bShape of rank 2 or 3 (rank-3 = batched; a rank-2
 * operand is shared across the batch). Returns the flat output in row-major order.
 */
export function cpuMatmul(a: ArrayLike<number>, aShape: number[], b: ArrayLike<number>, bShape: number[], o: CpuMatmulOptions = {}): Float64Array {
  const tA = o.transA ?? false, tB = o.transB ?? false;
  const batch = aShape.length === 3 ? aShape[0]! : bShape.length === 3 ? bShape[0]! : 1;
  const [ar, ac] = aShape.slice(-2) as [number, number];
  const [br, bc] = bShape.slice(-2) as [number, number];
  const M = tA ? ac : ar, K = tA ? ar : ac, N = tB ? br : bc;
  if ((tB ? bc : br) !== K) throw new Error(`cpuMatmul: inner dimensions differ (${aShape} vs ${bShape})`);
  const aStride = aShape.length === 3 ? M * K : 0, bStride = bShape.length === 3 ? K * N : 0;
  const out = new Float64Array(batch * M * N);
  for (let z = 0; z < batch; z++) {
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let s = 0;
        for (let k = 0; k < K; k++) {
          const av = a[z * aStride + (tA ? k * M + m : m * K + k)]!;
          const bv = b[z * bStride + (tB ? n * K + k : k * N + n)]!;
          s += av * bv;
        }
        if (o.bias) s += o.bias[n]!;
        out[(z * M + m) * N + n] = cpuActivate(o.activation ?? 'none', s, o.alpha ?? 1);
      }
    }
  }
  return out;
}
