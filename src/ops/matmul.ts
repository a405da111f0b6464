/**
 * Matrix multiplication (batched, transposed operands, fused bias + activation epilogue) on the
 * GEMM kernels, with its backward rule; `linear` on top. The tiling per adapter comes from
 * gemm-config.ts.
 */
import { ShapeError, fmtShape } from '../runtime/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { shapesEqual } from '../tensor/shape.js';
import { record } from '../autograd/tape.js';
import { binaryRaw, unaryRaw } from './elementwise.js';
import { sum } from './reduce.js';
import { packUniforms } from '../kernels/params.js';
import { checkRank, checkSameRuntime, checkTensor } from './validate.js';
import { chooseSplitK, gemmConfig, splitKPolicy, textureBPolicy, useTextureB, type GemmConfig, type SgGemmConfig, type SplitK } from './gemm-config.js';
import { launch } from './launch.js';
import { dropoutThreshold } from './dropout-threshold.js';
import type { KernelSpec, Runtime } from '../runtime/runtime.js';

/** scaledRelu: alpha·max(x, 0) (alpha > 0); its backward also serves relu + dropout (src/ops/linear-dropout.ts). */
export const ACTIVATIONS = { none: 0, relu: 1, tanh: 2, sigmoid: 3, scaledTanh: 4, scaledRelu: 5 } as const;
export type Activation = keyof typeof ACTIVATIONS;

export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
  /** [N], added before the activation. */
  bias?: Tensor;
  activation?: Activation;
  /** Scale for 'scaledTanh' (y = tanh(alpha·x)) and 'scaledRelu' (y = alpha·max(x, 0)). */
  alpha?: number;
  /** The output's shape, added after the activation in the GEMM's store (a residual connection); with gradients, activation 'none' only. */
  addend?: Tensor;
}

export function checkActivation(op: string, act: string): Activation {
  if (!(act in ACTIVATIONS)) throw new RangeError(`${op}: unknown activation '${act}' (expected ${Object.keys(ACTIVATIONS).join(', ')})`);
  return act as Activation;
}

/** dL/dz from dL/dy for y = act(z), written in terms of the output y. */
export function activationBackward(act: Activation, y: Tensor, g: Tensor, alpha: number): Tensor {
  switch (act) {
    case 'none': return g;
    case 'relu': return binaryRaw('reluBackward', y, g);
    case 'tanh': return binaryRaw('tanhBackward', y, g);
    case 'sigmoid': return binaryRaw('sigmoidBackward', y, g);
    case 'scaledTanh': return unaryRaw('affine', binaryRaw('tanhBackward', y, g), alpha, 0);
    case 'scaledRelu': return unaryRaw('affine', binaryRaw('reluBackward', y, g), alpha, 0);
  }
}

/**
 * The backward of the epilogue y = act(z), z = x·W + b, in one dispatch (kernels/bias_act_backward.wgsl):
 * gz = dL/dz (g itself when act is 'none') and, when `wantBias`, the bias gradient Σ_rows gz [N]. y and g
 * are [..., N]. Without a bias gradient and without an activation there is nothing to do (no dispatch).
 */
export function epilogueBackward(act: Activation, y: Tensor, g: Tensor, alpha: number, wantBias: boolean): { gz: Tensor; gbias: Tensor | null } {
  const wantGz = act !== 'none';
  if (!wantGz && !wantBias) return { gz: g, gbias: null };
  const rt = y.runtime;
  const N = y.shape[y.rank - 1]!;
  const rows = N === 0 ? 0 : y.size / N;
  const gz = wantGz ? Tensor.empty(rt, y.shape, 'f32') : g;
  const gbias = wantBias ? Tensor.empty(rt, [N], 'f32') : null;
  if (N > 0) {
    // Unused outputs still need a writable binding (the pipeline layout is 'auto').
    const scratch = !wantGz || !gbias ? Tensor.empty(rt, [1], 'f32') : null;
    launch(rt, 'bias_act_backward', [y.buffer, g.buffer, (wantGz ? gz : scratch!).buffer, (gbias ?? scratch!).buffer], { rows, N, act_alpha: alpha }, {
      constants: { ACT: ACTIVATIONS[act], WANT_GZ: wantGz, WANT_BIAS: wantBias },
    });
    scratch?.dispose();
  }
  return { gz, gbias };
}

/** Operand geometry of one GEMM call: C[batch] (M×N) = op(A) (M×K) · op(B) (K×N). */
export interface GemmGeometry {
  M: number; N: number; K: number; batch: number;
  sam: number; sak: number; sbk: number; sbn: number;
  batchA: number; batchB: number;
}

/** Convolution geometry for the implicit-GEMM modes of gemm_sg / gemm_reg (see the kernel header). */
export interface ConvGeometry {
  mode: 1 | 2 | 3;
  aDiv: number; aHi: number;
  C: number; H: number; W: number; KH: number; KW: number;
  SH: number; SW: number; PH: number; PW: number; DH: number; DW: number; OH: number; OW: number;
}

/** Pack the GEMM uniforms (every gemm_* kernel's descriptor has the same fields). */
export function gemmUniforms(g: GemmGeometry, actAlpha = 0, cv?: ConvGeometry, batchC = g.M * g.N, split: SplitK = { nsplit: 1, ksplit: g.K }, drop?: EpilogueDropout): Uint8Array {
  // Dense GEMM: a neutral convolution geometry (1×1 taps, stride 1, no padding).
  const c = cv ?? { aDiv: 1, aHi: 0, C: 1, H: 1, W: 1, KH: 1, KW: 1, SH: 1, SW: 1, PH: 0, PW: 0, DH: 1, DW: 1, OH: 1, OW: 1 };
  return packUniforms('gemm_sg', {
    M: g.M, N: g.N, K: g.K, act_alpha: actAlpha, sam: g.sam, sak: g.sak, sbk: g.sbk, sbn: g.sbn,
    batch_a: g.batchA, batch_b: g.batchB, batch_c: batchC, a_div: c.aDiv,
    a_hi: c.aHi, C: c.C, H: c.H, W: c.W, KH: c.KH, KW: c.KW, SH: c.SH, SW: c.SW,
    PH: c.PH, PW: c.PW, DH: c.DH, DW: c.DW, OH: c.OH, OW: c.OW, inv_sh: 1 / c.SH, inv_sw: 1 / c.SW,
    ksplit: split.ksplit, nsplit: split.nsplit,
    drop_seed: drop?.seed ?? 0, drop_threshold: drop ? dropoutThreshold(drop.p) : 0, drop_scale: drop ? 1 / (1 - drop.p) : 1,
  });
}

/** Dropout after the activation (p in (0, 1), seed a u32): the mask of the dropout op with that seed. */
export interface EpilogueDropout {
  p: number;
  seed: number;
}

export interface GemmEpilogue {
  bias: Tensor | null;
  /** Bias indexed by output row (conv channels) rather than column. */
  biasRows?: boolean;
  act: Activation;
  alpha: number;
  /** Dropout after the activation: in the store of gemm_sg / gemm_reg / gemm_tex, else a separate dropout pass. */
  dropout?: EpilogueDropout;
  /** Added after the activation, laid out as C (C = act(A·B + bias) + addend); not with dropout or a convolution. */
  addend?: Tensor | null;
}

/** Workgroups of one GEMM dispatch (x along N, y along M, z = batch) and the kernel to run. */
function gemmLaunch(g: GemmGeometry, cfg: GemmConfig, ep: GemmEpilogue, cv?: ConvGeometry): { wg: [number, number, number]; spec: KernelSpec; kAlign: number } {
  const common = { HAS_BIAS: ep.bias !== null, ACT: ACTIVATIONS[ep.act], ADDEND: !!ep.addend };
  if (cfg.kind === 'tiled') {
    if (cv) throw new ShapeError('conv2d: the workgroup-tiled GEMM has no convolution mode');
    return {
      wg: [Math.ceil(g.N / (cfg.TX * cfg.RN)), Math.ceil(g.M / (cfg.TY * cfg.RM)), g.batch],
      spec: { kernel: 'gemm_tiled', constants: { TX: cfg.TX, TY: cfg.TY, RM: cfg.RM, RN: cfg.RN, BK: cfg.BK, ...common } },
      kAlign: cfg.BK,
    };
  }
  // Few rows (small batches, few channels): a shorter row tile wastes less work. Few columns (matrix-vector
  // products, N ≤ WG): one column per invocation, since the others would all be clamped copies of the last
  // (isolated on lavapipe: 256×1×128 Aᵀ 134 → 110 µs, 128×1×256 136 → 101; BENCHMARKS.md, issue 13).
  const tm = Math.min(cfg.TM, 2 ** Math.max(0, Math.ceil(Math.log2(g.M))));
  const tn = g.N <= cfg.WG ? 1 : cfg.TN;
  const constants: Record<string, number | boolean> = { WG: cfg.WG, TM: tm, TN: tn, MODE: cv?.mode ?? 0, BIAS_ROWS: ep.biasRows ?? false, ...common };
  if (ep.dropout) constants.DROPOUT = true;
  if (cfg.kind === 'sg') constants.SGK = cfg.SGK;
  return {
    wg: [Math.ceil(g.N / (cfg.WG * tn)), Math.ceil(g.M / tm), g.batch],
    spec: { kernel: cfg.kind === 'sg' ? 'gemm_sg' : 'gemm_reg', constants },
    kAlign: cfg.kind === 'sg' ? cfg.SGK : 1,
  };
}

/**
 * The split-K choice for one dense GEMM on this runtime (1 split for convolutions and row biases,
 * which the second pass does not handle, and where the partials would not fit one binding).
 */
export function gemmSplit(rt: Runtime, g: GemmGeometry, cfg: GemmConfig, ep: GemmEpilogue, cv?: ConvGeometry): SplitK {
  const none = { nsplit: 1, ksplit: g.K };
  if (cv || ep.biasRows) return none;
  const { wg, kAlign } = gemmLaunch(g, cfg, ep);
  const split = chooseSplitK(wg[0] * wg[1] * wg[2], g.K, kAlign, splitKPolicy(rt));
  const partialBytes = split.nsplit * g.batch * g.M * g.N * 4;
  const maxZ = rt.limits.maxComputeWorkgroupsPerDimension;
  if (partialBytes > rt.limits.maxStorageBufferBindingSize || g.batch * split.nsplit > maxZ) return none;
  return split;
}

/** Record one GEMM-family dispatch writing `c` (the caller validated shapes); split-K adds a second pass. */
export function dispatchGemm(
  a: Tensor, b: Tensor, c: Tensor, g: GemmGeometry, ep: GemmEpilogue,
  cfg: GemmConfig = gemmConfig(a.runtime), cv?: ConvGeometry,
): void {
  const rt = a.runtime;
  if (g.M === 0 || g.N === 0 || g.batch === 0) return;
  const op = cv ? 'conv2d' : 'matmul';
  const maxWg = rt.limits.maxComputeWorkgroupsPerDimension;
  if (g.batch > maxWg) throw new ShapeError(`${op}: batch ${g.batch} exceeds ${maxWg} workgroups per dimension`);
  if (ep.addend && (ep.dropout || cv)) throw new ShapeError(`${op}: an addend needs a dense GEMM without dropout (not a convolution)`);
  const split = gemmSplit(rt, g, cfg, ep, cv);
  if (ep.dropout && (split.nsplit > 1 || cfg.kind === 'tiled' || cv)) {
    // Only the register-blocked kernels' unsplit dense store applies the mask: otherwise a dropout pass after.
    const h = Tensor.empty(rt, c.shape, 'f32');
    dispatchGemm(a, b, h, g, { ...ep, dropout: undefined }, cfg, cv);
    launch(rt, 'dropout', [h.buffer, c.buffer], { n: c.size, threshold: dropoutThreshold(ep.dropout.p), seed: ep.dropout.seed, scale: 1 / (1 - ep.dropout.p) });
    h.dispose();
    return;
  }
  if (split.nsplit > 1) {
    // Pass 1: raw partial sums [batch, nsplit, M, N], no epilogue; pass 2 sums them and applies it.
    const raw: GemmEpilogue = { bias: null, act: 'none', alpha: 0, addend: null };
    const { wg, spec } = gemmLaunch(g, cfg, raw);
    if (wg[0] > maxWg || wg[1] > maxWg) throw new ShapeError(`${op}: output ${g.M}×${g.N} needs more than ${maxWg} workgroups per dimension`);
    const part = Tensor.empty(rt, [g.batch * split.nsplit * g.M * g.N], 'f32');
    rt.dispatch(spec, [a.buffer, b.buffer, a.buffer, part.buffer, a.buffer], [wg[0], wg[1], g.batch * split.nsplit], gemmUniforms(g, 0, undefined, g.M * g.N, split));
    launch(rt, 'gemm_splitk', [part.buffer, (ep.bias ?? part).buffer, c.buffer, (ep.addend ?? part).buffer],
      { n: g.batch * g.M * g.N, N: g.N, MN: g.M * g.N, S: split.nsplit, act_alpha: ep.alpha },
      { constants: { HAS_BIAS: ep.bias !== null, ACT: ACTIVATIONS[ep.act], ADDEND: !!ep.addend } });
    part.dispose();
    return;
  }
  if (cfg.kind === 'sg' && !cv && !ep.biasRows) {
    const layout = textureLayout(g);
    if (layout && useTextureB(textureBPolicy(rt), g.M, g.N, g.K, layout.width, layout.height, rt.limits.maxTextureDimension2D)) {
      dispatchGemmTextureB(a, b, c, g, ep, cfg, layout);
      return;
    }
  }
  const { wg, spec } = gemmLaunch(g, cfg, ep, cv);
  if (wg[0] > maxWg || wg[1] > maxWg) throw new ShapeError(`${op}: output ${g.M}×${g.N} needs more than ${maxWg} workgroups per dimension`);
  rt.dispatch(spec, [a.buffer, b.buffer, (ep.bias ?? a).buffer, c.buffer, (ep.addend ?? a).buffer], wg, gemmUniforms(g, ep.alpha, cv, undefined, undefined, ep.dropout));
}

/** How gemm_tex sees B: row-major K×N (texels along n) or stored transposed N×K (KV: texels along k). */
export interface TextureLayout {
  kv: boolean;
  /** Texture width (texels) and height. */
  width: number;
  height: number;
}

/**
 * The texture layout a plain buffer-to-texture copy of B gives, or null when B's strides allow none: its rows
 * (N floats, or K for a transposed B) must be contiguous and a multiple of 64 floats (WebGPU's 256-byte
 * bytesPerRow), and batches, if any, contiguous.
 */
export function textureLayout(g: GemmGeometry): TextureLayout | null {
  const items = g.batchB ? g.batch : 1;
  if (g.sbn === 1 && g.sbk === g.N && g.N % 64 === 0 && (g.batchB === 0 || g.batchB === g.K * g.N)) return { kv: false, width: g.N / 4, height: items * g.K };
  if (g.sbk === 1 && g.sbn === g.K && g.K % 64 === 0 && (g.batchB === 0 || g.batchB === g.K * g.N)) return { kv: true, width: g.K / 4, height: items * g.N };
  return null;
}

/** A dense GEMM with B copied into an rgba32float texture first (gemm_tex; see gemm-config.ts). */
function dispatchGemmTextureB(a: Tensor, b: Tensor, c: Tensor, g: GemmGeometry, ep: GemmEpilogue, cfg: SgGemmConfig, layout: TextureLayout): void {
  const rt = a.runtime;
  const tm = Math.min(16, cfg.TM, 2 ** Math.max(0, Math.ceil(Math.log2(g.M))));
  const wg: [number, number, number] = [Math.ceil(g.N / (4 * cfg.WG)), Math.ceil(g.M / tm), g.batch];
  const maxWg = rt.limits.maxComputeWorkgroupsPerDimension;
  if (wg[0] > maxWg || wg[1] > maxWg) throw new ShapeError(`matmul: output ${g.M}×${g.N} needs more than ${maxWg} workgroups per dimension`);
  const bt = rt.copyToTexture(b.buffer, layout.width, layout.height);
  const constants: Record<string, number | boolean> = { WG: cfg.WG, TM: tm, SGK: cfg.SGK, KV: layout.kv, HAS_BIAS: ep.bias !== null, ACT: ACTIVATIONS[ep.act], ADDEND: !!ep.addend };
  if (ep.dropout) constants.DROPOUT = true;
  rt.dispatch({ kernel: 'gemm_tex', constants }, [a.buffer, bt, (ep.bias ?? a).buffer, c.buffer, (ep.addend ?? a).buffer], wg, gemmUniforms(g, ep.alpha, undefined, undefined, undefined, ep.dropout));
}

interface Plan {
  geom: GemmGeometry;
  outShape: number[];
}

function plan(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Plan {
  const batched = a.rank === 3 || b.rank === 3;
  const batch = a.rank === 3 ? a.shape[0]! : b.rank === 3 ? b.shape[0]! : 1;
  if (a.rank === 3 && b.rank === 3 && a.shape[0] !== b.shape[0]) {
    throw new ShapeError(`matmul: batch sizes differ: a ${fmtShape(a.shape)} and b ${fmtShape(b.shape)}`);
  }
  const [ar, ac] = a.shape.slice(-2) as [number, number];
  const [br, bc] = b.shape.slice(-2) as [number, number];
  const M = transA ? ac : ar;
  const Ka = transA ? ar : ac;
  const Kb = transB ? bc : br;
  const N = transB ? br : bc;
  if (Ka !== Kb) {
    throw new ShapeError(
      `matmul: inner dimensions differ: a ${fmtShape(a.shape)}${transA ? ' (transposed)' : ''} has K=${Ka}, ` +
        `b ${fmtShape(b.shape)}${transB ? ' (transposed)' : ''} has K=${Kb}`,
    );
  }
  const geom: GemmGeometry = {
    M, N, K: Ka, batch,
    sam: transA ? 1 : Ka, sak: transA ? M : 1,
    sbk: transB ? 1 : N, sbn: transB ? Kb : 1,
    batchA: a.rank === 3 ? M * Ka : 0,
    batchB: b.rank === 3 ? Kb * N : 0,
  };
  return { geom, outShape: batched ? [batch, M, N] : [M, N] };
}

/** matmulRaw's options: besides matmul's, a dropout after the activation (no backward rule here; see linear-dropout.ts). */
export interface RawMatmulOptions extends MatmulOptions {
  dropout?: EpilogueDropout;
}

/** The GEMM without autograd: act(op(a)·op(b) + bias), then dropout when asked. */
export function matmulRaw(a: Tensor, b: Tensor, opts: RawMatmulOptions = {}): Tensor {
  checkTensor('matmul', 'a', a, 'f32');
  checkTensor('matmul', 'b', b, 'f32');
  checkRank('matmul', 'a', a, 2, 3);
  checkRank('matmul', 'b', b, 2, 3);
  checkSameRuntime('matmul', a, b);
  const act = checkActivation('matmul', opts.activation ?? 'none');
  const transA = opts.transA ?? false, transB = opts.transB ?? false;
  let { geom, outShape } = plan(a, b, transA, transB);
  if (opts.bias) {
    checkTensor('matmul', 'bias', opts.bias, 'f32');
    checkSameRuntime('matmul', a, opts.bias);
    if (opts.bias.rank !== 1 || opts.bias.shape[0] !== geom.N) {
      throw new ShapeError(`matmul: bias ${fmtShape(opts.bias.shape)} must have shape [${geom.N}] (the output's last dimension; a ${fmtShape(a.shape)}, b ${fmtShape(b.shape)})`);
    }
  }
  // A batch of non-transposed A against one shared B is a single tall GEMM.
  if (a.rank === 3 && b.rank === 2 && !transA) geom = { ...geom, M: geom.M * geom.batch, batch: 1, batchA: 0 };
  if (geom.K === 0) {
    throw new ShapeError(`matmul: inner dimension K is 0 (a ${fmtShape(a.shape)}, b ${fmtShape(b.shape)})`);
  }
  const addend = opts.addend;
  if (addend) {
    checkTensor('matmul', 'addend', addend, 'f32');
    checkSameRuntime('matmul', a, addend);
    if (!shapesEqual(addend.shape, outShape)) throw new ShapeError(`matmul: addend ${fmtShape(addend.shape)} must have the output's shape ${fmtShape(outShape)} (a ${fmtShape(a.shape)}, b ${fmtShape(b.shape)})`);
  }
  const drop = opts.dropout;
  if (drop && !(drop.p > 0 && drop.p < 1 && Number.isInteger(drop.seed) && drop.seed >= 0 && drop.seed <= 0xffffffff)) {
    throw new RangeError(`matmul: dropout needs p in (0, 1) and a u32 seed, got p ${drop.p}, seed ${drop.seed}`);
  }
  if (drop && addend) throw new RangeError('matmul: an addend with dropout is not supported (add it after)');
  const c = Tensor.empty(a.runtime, outShape, 'f32');
  dispatchGemm(a, b, c, geom, { bias: opts.bias ?? null, act, alpha: opts.alpha ?? 1, dropout: drop, addend: addend ?? null });
  return c;
}

/**
 * act(op(a)·op(b) + bias). a: [M,K] ([K,M] with transA), b: [K,N] ([N,K] with transB); rank-3
 * operands are batched ([B,…]); a rank-2 operand is shared by every batch. bias: [N].
 * activation: none | relu | tanh | sigmoid | scaledTanh (tanh(alpha·x)).
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  if ((opts as RawMatmulOptions).dropout) throw new RangeError('matmul: no backward rule with dropout; use linearReluDropout or matmulRaw');
  // The activation's derivative is read from the output, which the addend shifts.
  if (opts.addend && (opts.activation ?? 'none') !== 'none') throw new RangeError(`matmul: an addend needs activation 'none' for gradients (got '${opts.activation}'; matmulRaw takes both)`);
  const y = matmulRaw(a, b, opts);
  const transA = opts.transA ?? false, transB = opts.transB ?? false;
  const act = opts.activation ?? 'none';
  const alpha = opts.alpha ?? 1;
  const bias = opts.bias, addend = opts.addend;
  const inputs = [a, b, ...(bias ? [bias] : []), ...(addend ? [addend] : [])];
  return record(y, 'matmul', inputs, (g, into) => {
    // Activation derivative and bias gradient in one pass (the bias is per output column).
    const { gz, gbias } = epilogueBackward(act, y, g, alpha, !!bias?.requiresGrad);
    const [ga, gb] = matmulBackward(a, b, gz, transA, transB, into?.[0], into?.[1]);
    // The addend's gradient is g itself (as add's).
    return [ga, gb, ...(bias ? [sumInto(gbias, into?.[2])] : []), ...(addend ? [sumInto(addend.requiresGrad ? g : null, into?.[bias ? 3 : 2])] : [])];
  }, { sumsInto: true });
}

/** into + gi when a summing rule was handed a gathered gradient (into), else gi (the tape's order: prev + own). */
function sumInto(gi: Tensor, into: Tensor | undefined): Tensor;
function sumInto(gi: Tensor | null, into: Tensor | undefined): Tensor | null;
function sumInto(gi: Tensor | null, into: Tensor | undefined): Tensor | null {
  return gi && into ? binaryRaw('add', into, gi) : gi;
}

/**
 * Gradients of C = op(a)·op(b) given gz = dL/dC (null for an operand that needs none):
 * d(opA) = gz·opBᵀ, d(opB) = opAᵀ·gz; a transposed operand takes the transpose. intoA / intoB: a gradient
 * gathered so far, returned summed with the operand's own (in the GEMM's store unless a batch sum follows).
 */
export function matmulBackward(a: Tensor, b: Tensor, gz: Tensor, transA: boolean, transB: boolean, intoA?: Tensor, intoB?: Tensor): [Tensor | null, Tensor | null] {
  let ga: Tensor | null = null;
  let gb: Tensor | null = null;
  if (a.requiresGrad) {
    // Summed in the GEMM's store when its output is the gradient as is (no batch sum after it).
    const batched = gz.rank > a.rank;
    const addend = batched ? undefined : intoA;
    ga = transA ? matmulRaw(b, gz, { transA: transB, transB: true, addend }) : matmulRaw(gz, b, { transB: !transB, addend });
    if (batched) ga = sumInto(sum(ga, 0), intoA);
  }
  if (b.requiresGrad) {
    if (a.rank === 3 && b.rank === 2 && !transA) {
      // A batch of rows against one shared b: a single GEMM over the flattened rows, no batch reduction.
      const a2 = a.view([-1, a.shape[2]!]);
      const g2 = gz.view([-1, gz.shape[2]!]);
      gb = transB ? matmulRaw(g2, a2, { transA: true, addend: intoB }) : matmulRaw(a2, g2, { transA: true, addend: intoB });
    } else {
      const batched = b.rank < Math.max(a.rank, gz.rank);
      const addend = batched ? undefined : intoB;
      gb = transB ? matmulRaw(gz, a, { transA: true, transB: transA, addend }) : matmulRaw(a, gz, { transA: !transA, addend });
      if (batched) gb = sumInto(sum(gb, 0), intoB);
    }
  }
  return [ga, gb];
}

/**
 * x·w + b with w stored [in, out] (x: [..., in] of rank 2 or 3), optional fused activation; `addend` (the
 * output's shape) is added after it in the same pass (a residual connection).
 */
export function linear(x: Tensor, w: Tensor, b?: Tensor | null, activation: Activation = 'none', alpha = 1, addend?: Tensor): Tensor {
  checkTensor('linear', 'x', x, 'f32');
  checkTensor('linear', 'w', w, 'f32');
  checkRank('linear', 'w', w, 2);
  checkRank('linear', 'x', x, 2, 3);
  if (x.shape[x.rank - 1] !== w.shape[0]) {
    throw new ShapeError(`linear: x ${fmtShape(x.shape)} has ${x.shape[x.rank - 1]} features, w ${fmtShape(w.shape)} expects ${w.shape[0]} ([in, out])`);
  }
  return matmul(x, w, { bias: b ?? undefined, activation, alpha, addend });
}
