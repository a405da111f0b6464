/**
 * One descriptor per kernel (the ProgramInfo of onnxruntime-web, as data): default workgroup size,
 * uniform fields (name → type, in declaration order), storage bindings (name → access and element
 * type, bindings 1, 2, … in order) and the grid. Both sides are derived from it, so they cannot drift:
 *  - scripts/embed-kernels.mjs generates each kernel's `struct Params`, `override WG` and binding
 *    declarations from it (kernels/*.wgsl hold only the code; `--check` fails when they declare
 *    their own) and the unary/binary `apply` switches from the op tables below;
 *  - src/ops/launch.ts packs the uniforms by field name at WGSL's offsets (no hand padding) and
 *    computes the 1-D grid from the `grid` fields.
 * This file is read by the embed script too: keep it free of imports and of code beyond data.
 */

/** Uniform field types: scalars, a vec4f, or `dims` = array<vec4u, 2> (8 values: shapes and strides up to rank 8). */
export type UniformType = 'u32' | 'i32' | 'f32' | 'vec4f' | 'dims';
/** Binding: a storage buffer (access and element type), or a sampled float texture ('texture f32': texture_2d<f32>, read with textureLoad). */
export type BindingType = 'read f32' | 'read u32' | 'read vec4u' | 'read vec4f' | 'read_write f32' | 'read_write u32' | 'read_write vec4u' | 'read_write vec4f'
  | 'texture f32';

export interface KernelDescriptor {
  /** Default of the `WG` override (invocations per workgroup); null when the kernel sizes its workgroup otherwise. */
  readonly wg: number | null;
  readonly uniforms: Readonly<Record<string, UniformType>>;
  readonly bindings: Readonly<Record<string, BindingType>>;
  /**
   * Uniform fields whose product is the number of invocations of a 1-D grid (one per output element or
   * row; ceil(count / WG) workgroups folded by rt.grid); null when the wrapper passes workgroups itself.
   */
  readonly grid: readonly string[] | null;
  /**
   * Elements (of the `grid` count) each invocation handles (default 1): the grid is ceil(count / epi)
   * invocations, and the kernel gets `const EPI: u32` (generated). The elementwise kernels take 16, four
   * vec4s: lavapipe loads and stores storage per lane and per component, with a fixed cost per load or
   * store instruction and per invocation, so vec4 accesses and several of them per invocation cut both
   * (add on 131,072 elements: 718 → 275 µs, see BENCHMARKS.md, s7-elem); bias_act_backward 4 columns.
   */
  readonly epi?: number;
}

const GEMM_UNIFORMS = {
  M: 'u32', N: 'u32', K: 'u32', act_alpha: 'f32',
  sam: 'u32', sak: 'u32', sbk: 'u32', sbn: 'u32',
  batch_a: 'u32', batch_b: 'u32', batch_c: 'u32', a_div: 'u32',
  a_hi: 'u32', C: 'u32', H: 'u32', W: 'u32',
  KH: 'u32', KW: 'u32', SH: 'u32', SW: 'u32',
  PH: 'u32', PW: 'u32', DH: 'u32', DW: 'u32',
  OH: 'u32', OW: 'u32', inv_sh: 'f32', inv_sw: 'f32',
  // Split-K (dense mode only): workgroup z = batch · nsplit + split, each split sums ksplit values of k.
  ksplit: 'u32', nsplit: 'u32',
  // Dropout in the epilogue (DROPOUT; gemm_sg / gemm_reg): the dropout kernel's seed, threshold and scale.
  drop_seed: 'u32', drop_threshold: 'u32', drop_scale: 'f32',
} as const;
// addend: R of a fused sum C = act(A·B + bias) + R (ADDEND; laid out as C), else any buffer (unread).
const GEMM_BINDINGS = { a: 'read f32', b: 'read f32', bias: 'read f32', c: 'read_write f32', addend: 'read f32' } as const;
const ROWS_EPS = { rows: 'u32', d: 'u32', eps: 'f32' } as const;
/**
 * The two scans of a Hamming search (hamming_hist, hamming_emit) over one database chunk: its blocks of
 * `block` items are the workgroups' y, `block0` its first block in hist's [nq, nblocks_total, bins] rows,
 * `index0` its first item's global index (hamming_emit's outputs), `bins` = bits + 1 (the list capacity
 * when hamming_emit COLLECTs), `last_mask` the code's bits in its last u32 word.
 */
const HAMMING_SCAN_UNIFORMS = { nq: 'u32', n: 'u32', block: 'u32', nblocks_total: 'u32', block0: 'u32', bins: 'u32', last_mask: 'u32', index0: 'u32' } as const;

export const KERNELS = {
  // Multi-tensor optimisers (kernels/optim_table.wgsl): `rows` tensors, `invocations` = workgroups × WG.
  adam: {
    wg: 256,
    uniforms: { rows: 'u32', invocations: 'u32' },
    bindings: { param: 'read_write vec4f', grad: 'read vec4f', m1: 'read_write vec4f', m2: 'read_write vec4f', table: 'read u32' },
    grid: ['invocations'],
  },
  // Fused multi-head attention on the token layout (entries main / dq / dkv use binding prefixes 1–5 / 1–7 / 1–8).
  attention: {
    wg: 64,
    uniforms: { rows: 'u32', T: 'u32', H: 'u32', d: 'u32', scale: 'f32' },
    bindings: {
      q: 'read f32', k: 'read f32', v: 'read f32', o: 'read_write f32', lse: 'read_write f32',
      g: 'read f32', out1: 'read_write f32', out2: 'read_write f32',
    },
    grid: ['rows'],
  },
  // The same with subgroup broadcasts (adapters with a fixed subgroup size 4 or 8; WG = that size): one
  // workgroup per `chunks`-th of an (item, head)'s rows, lanes = workgroups · WG. Entries main / dq / dkv
  // bind 1–6 (g: any read-only buffer) / 1–8 (out2: D = g·o per row, [B, H, T]) / 1–8 (o: that D).
  attention_sg: {
    wg: 8,
    uniforms: { lanes: 'u32', T: 'u32', H: 'u32', d: 'u32', scale: 'f32', chunks: 'u32' },
    bindings: {
      q: 'read f32', k: 'read f32', v: 'read f32', o: 'read_write f32', lse: 'read_write f32',
      g: 'read f32', out1: 'read_write f32', out2: 'read_write f32',
    },
    grid: ['lanes'],
  },
  awf_fuse: {
    wg: 256, uniforms: { n: 'u32', rows: 'u32', cols: 'u32', wi: 'f32', wt: 'f32', scale: 'f32' },
    bindings: { si: 'read f32', st: 'read f32', w: 'read f32', y: 'read_write f32' }, grid: ['n'],
  },
  awf_weights: { wg: 64, uniforms: { m: 'u32' }, bindings: { r: 'read f32', w: 'read_write f32' }, grid: ['m'] },
  // Fused activation backward + bias gradient of a linear layer (src/ops/matmul.ts); includes gemm_epilogue.wgsl.
  bias_act_backward: {
    wg: 16, uniforms: { rows: 'u32', N: 'u32', act_alpha: 'f32' },
    bindings: { y: 'read f32', g: 'read f32', gz: 'read_write f32', gbias: 'read_write f32' }, grid: ['N'], epi: 4,
  },
  // The elementwise kernels bind vec4s (kernels/vec4_grid.wgsl); a tensor binding covers whole vec4s (src/tensor/tensor.ts Storage).
  binary: {
    wg: 256,
    uniforms: { n: 'u32', rank: 'u32', alpha: 'f32', beta: 'f32', shape: 'dims', sa: 'dims', sb: 'dims' },
    bindings: { a: 'read vec4f', b: 'read vec4f', y: 'read_write vec4f' },
    grid: ['n'], epi: 16,
  },
  col2im: {
    wg: 64,
    uniforms: { n_out: 'u32', C: 'u32', H: 'u32', W: 'u32', KH: 'u32', KW: 'u32', SH: 'u32', SW: 'u32', PH: 'u32', PW: 'u32', OH: 'u32', OW: 'u32' },
    bindings: { cols: 'read f32', dx: 'read_write f32' },
    grid: ['n_out'],
  },
  // Fused cosine reconstruction loss (src/ops/cosine-loss.ts): rows = 2m (the rows of [A; B]), A, B [m, k].
  cosine_recon: {
    wg: 16, uniforms: { rows: 'u32', m: 'u32', k: 'u32', eps: 'f32', w_ab: 'f32', w_aa: 'f32', w_bb: 'f32' },
    bindings: { a: 'read f32', b: 'read f32', s: 'read f32', coef: 'read_write f32', rows: 'read_write f32' }, grid: ['rows'],
  },
  cosine_recon_backward: {
    wg: 64, uniforms: { rows: 'u32', m: 'u32', k: 'u32', eps: 'f32' },
    bindings: { a: 'read f32', b: 'read f32', coef: 'read f32', rows: 'read f32', g: 'read f32', da: 'read_write f32', db: 'read_write f32' },
    grid: ['rows', 'k'],
  },
  cosine_recon_finish: {
    wg: null, uniforms: { m: 'u32', w_ab: 'f32', w_aa: 'f32', w_bb: 'f32' },
    bindings: { rows: 'read f32', total: 'read_write f32', inter: 'read_write f32', intra_a: 'read_write f32', intra_b: 'read_write f32' }, grid: null,
  },
  dropout: {
    wg: 256, uniforms: { n: 'u32', threshold: 'u32', seed: 'u32', scale: 'f32' },
    bindings: { x: 'read f32', y: 'read_write f32' }, grid: ['n'],
  },
  fill: { wg: 256, uniforms: { n: 'u32', value: 'f32', step: 'f32' }, bindings: { y: 'read_write f32' }, grid: ['n'] },
  gather: {
    wg: 256, uniforms: { n_out: 'u32', rows: 'u32', d: 'u32' },
    bindings: { x: 'read u32', idx: 'read u32', y: 'read_write u32' }, grid: ['n_out'],
  },
  gemm_naive: { wg: null, uniforms: GEMM_UNIFORMS, bindings: { a: 'read f32', b: 'read f32', c: 'read_write f32' }, grid: null },
  gemm_reg: { wg: 16, uniforms: GEMM_UNIFORMS, bindings: GEMM_BINDINGS, grid: null },
  gemm_sg: { wg: 8, uniforms: GEMM_UNIFORMS, bindings: GEMM_BINDINGS, grid: null },
  gemm_tiled: { wg: null, uniforms: GEMM_UNIFORMS, bindings: GEMM_BINDINGS, grid: null },
  // Dense GEMM with B read from an rgba32float texture copied from B's buffer (see gemm_tex.wgsl).
  gemm_tex: { wg: 8, uniforms: GEMM_UNIFORMS, bindings: { a: 'read f32', bt: 'texture f32', bias: 'read f32', c: 'read_write f32', addend: 'read f32' }, grid: null },
  // Second pass of a split-K GEMM: n = batch·M·N outputs, each the sum of S partials, then bias + activation.
  gemm_splitk: {
    wg: 64, uniforms: { n: 'u32', N: 'u32', MN: 'u32', S: 'u32', act_alpha: 'f32' },
    bindings: { part: 'read f32', bias: 'read f32', c: 'read_write f32', addend: 'read f32' }, grid: ['n'],
  },
  hamming_dist: {
    wg: 256, uniforms: { nq: 'u32', n: 'u32', last_mask: 'u32' },
    bindings: { queries: 'read u32', db: 'read u32', dist: 'read_write u32' }, grid: ['nq', 'n'],
  },
  hamming_emit: {
    wg: 32, uniforms: HAMMING_SCAN_UNIFORMS,
    bindings: { db: 'read u32', queries: 'read u32', hist: 'read_write u32', info: 'read vec4u', out_idx: 'read_write u32', out_dist: 'read_write u32' },
    grid: null,
  },
  hamming_gather: {
    wg: 64, uniforms: { nq: 'u32', nblocks: 'u32', cap: 'u32', k: 'u32' },
    // starts: global index of each block's first item.
    bindings: { counts: 'read u32', cands: 'read u32', starts: 'read u32', info: 'read_write vec4u', out_idx: 'read_write u32', out_dist: 'read_write u32' },
    grid: ['nq'],
  },
  hamming_hist: {
    wg: 32, uniforms: HAMMING_SCAN_UNIFORMS,
    bindings: { db: 'read u32', queries: 'read u32', hist: 'read_write u32' }, grid: null,
  },
  hamming_select: {
    wg: 64, uniforms: { nq: 'u32', nblocks: 'u32', bins: 'u32', k: 'u32', radius: 'u32' },
    bindings: { hist: 'read_write u32', info: 'read_write vec4u' }, grid: ['nq'],
  },
  image_normalize: {
    wg: 256,
    // n = batch · channels · height · width (outputs); channels ≤ 4 out; stride = input channels per pixel; scale first (1/255 for u8).
    uniforms: { n: 'u32', batch: 'u32', height: 'u32', width: 'u32', channels: 'u32', stride: 'u32', scale: 'f32', mean: 'vec4f', invStd: 'vec4f' },
    bindings: { src: 'read u32', dst: 'read_write f32' },
    grid: ['n'],
  },
  l2_normalize: { wg: 64, uniforms: ROWS_EPS, bindings: { x: 'read f32', y: 'read_write f32' }, grid: ['rows'] },
  l2_normalize_backward: { wg: 64, uniforms: ROWS_EPS, bindings: { x: 'read f32', g: 'read f32', dx: 'read_write f32' }, grid: ['rows'] },
  loss_partial: {
    // n elements, n_part partial sums; cols, col_step = n_part mod cols: the column walk of LOSS 1;
    // scale: θ = scale · a (LOSS 1); coef scales the saved derivative; alpha the partial sums.
    wg: 64, uniforms: { n: 'u32', n_part: 'u32', cols: 'u32', col_step: 'u32', scale: 'f32', coef: 'f32', alpha: 'f32' },
    bindings: { a: 'read f32', b: 'read f32', w: 'read f32', y: 'read_write f32', da: 'read_write f32' }, grid: ['n_part'],
  },
  lrn: {
    wg: 256, uniforms: { n: 'u32', C: 'u32', HW: 'u32', size: 'u32', alpha_n: 'f32', beta: 'f32', k: 'f32' },
    // r: s^(−β−1) saved by the forward for the backward (main writes it only when SAVE).
    bindings: { x: 'read f32', y: 'read_write f32', r: 'read_write f32', g: 'read f32' }, grid: ['n'],
  },
  // Backward of tanh(alpha·q ⊙ w) (src/ops/elementwise.ts tanhOfProduct): both input gradients in one pass.
  mul_tanh_backward: {
    wg: 256, uniforms: { n: 'u32', alpha: 'f32' },
    bindings: { q: 'read f32', w: 'read f32', y: 'read f32', g: 'read f32', dq: 'read_write f32', dw: 'read_write f32' }, grid: ['n'],
  },
  pack_bits: { wg: 256, uniforms: { n: 'u32', k: 'u32', words: 'u32' }, bindings: { codes: 'read f32', packed: 'read_write u32' }, grid: ['n', 'words'] },
  pool2d: {
    wg: 256,
    // n = invocations (outputs for *_fwd, inputs for *_bwd).
    uniforms: { n: 'u32', H: 'u32', W: 'u32', OH: 'u32', OW: 'u32', KH: 'u32', KW: 'u32', SH: 'u32', SW: 'u32', PH: 'u32', PW: 'u32', include_pad: 'u32' },
    bindings: { src: 'read f32', dst: 'read_write f32', argmax: 'read_write u32' },
    grid: ['n'],
  },
  reduce: {
    wg: 64,
    uniforms: { n_out: 'u32', n_chunk: 'u32', n_red: 'u32', keep_rank: 'u32', red_rank: 'u32', alpha: 'f32', keep_shape: 'dims', keep_stride: 'dims', red_shape: 'dims', red_stride: 'dims' },
    bindings: { x: 'read f32', y: 'read_write f32' },
    grid: ['n_out', 'n_chunk'],
  },
  scatter_add_rows: {
    // blocks = ceil(d / CB) column blocks per row (CB: the kernel's override).
    wg: 64, uniforms: { rows: 'u32', blocks: 'u32', m: 'u32', d: 'u32' },
    bindings: { g: 'read f32', idx: 'read u32', dx: 'read_write f32' }, grid: ['rows', 'blocks'],
  },
  scatter_rows: {
    wg: 64, uniforms: { rows: 'u32', blocks: 'u32', m: 'u32', d: 'u32' },
    bindings: { idx: 'read u32', v: 'read u32', y: 'read_write u32' }, grid: ['m', 'blocks'],
  },
  scale_by: { wg: 256, uniforms: { n: 'u32' }, bindings: { x: 'read vec4f', s: 'read f32', y: 'read_write vec4f' }, grid: ['n'], epi: 16 },
  sgd: {
    wg: 256,
    uniforms: { rows: 'u32', invocations: 'u32' },
    bindings: { param: 'read_write vec4f', grad: 'read vec4f', vel: 'read_write vec4f', table: 'read u32' },
    grid: ['invocations'],
  },
  similarity: {
    wg: 16,
    uniforms: { m: 'u32', n: 'u32', d: 'u32', a_rs: 'u32', a_cs: 'u32', b_rs: 'u32', b_cs: 'u32', alpha: 'f32', beta: 'f32', eps: 'f32' },
    bindings: { a: 'read f32', b: 'read f32', c: 'read f32', y: 'read_write f32' },
    grid: null,
  },
  softmax: {
    wg: 64,
    uniforms: { rows: 'u32', cols: 'u32', scale: 'f32', lead_rank: 'u32', mask_col_stride: 'u32', lead_shape: 'dims', mask_stride: 'dims' },
    bindings: { x: 'read f32', mask: 'read f32', y: 'read_write f32' },
    grid: ['rows'],
  },
  // tanh(alpha·q ⊙ softmax(l)) per row and its backward (src/ops/softmax-gate.ts, JSGHCA's Jo-Attention).
  softmax_gate: {
    wg: 64, uniforms: { rows: 'u32', cols: 'u32', alpha: 'f32' },
    bindings: { q: 'read f32', l: 'read f32', o: 'read_write f32', y: 'read_write f32' }, grid: ['rows'],
  },
  softmax_gate_backward: {
    wg: 64, uniforms: { rows: 'u32', cols: 'u32', alpha: 'f32' },
    bindings: { q: 'read f32', o: 'read f32', y: 'read f32', g: 'read f32', dq: 'read_write f32', dl: 'read_write f32' }, grid: ['rows'],
  },
  softmax_backward: {
    wg: 64, uniforms: { rows: 'u32', cols: 'u32', scale: 'f32' },
    bindings: { y: 'read f32', g: 'read f32', dx: 'read_write f32' }, grid: ['rows'],
  },
  strided_copy: {
    wg: 256,
    uniforms: { n: 'u32', rank: 'u32', src_off: 'u32', dst_off: 'u32', shape: 'dims', src_stride: 'dims', dst_stride: 'dims' },
    bindings: { src: 'read f32', dst: 'read_write f32' },
    grid: ['n'],
  },
  unary: { wg: 256, uniforms: { n: 'u32', alpha: 'f32', beta: 'f32' }, bindings: { x: 'read vec4f', y: 'read_write vec4f' }, grid: ['n'], epi: 16 },
  unpack_bits: { wg: 256, uniforms: { n: 'u32', k: 'u32', words: 'u32' }, bindings: { packed: 'read u32', codes: 'read_write f32' }, grid: ['n', 'k'] },
} as const satisfies Record<string, KernelDescriptor>;

export type DescribedKernel = keyof typeof KERNELS;

/**
 * Elementwise unary ops: [TS name, WGSL expression of v (alpha/beta: p.alpha/p.beta)]. The op code is the
 * index; the embed step writes unary.wgsl's `apply` switch from this table and src/ops/raw.ts its names.
 */
export const UNARY_OP_TABLE = [
  ['copy', 'v'],
  ['neg', '-v'],
  ['exp', 'exp(v)'],
  ['log', 'log(v)'],
  ['sqrt', 'sqrt(v)'],
  ['tanh', 'safe_tanh(v)'],
  ['sigmoid', 'safe_sigmoid(v)'],
  ['relu', 'max(v, 0.0)'],
  ['leakyRelu', 'select(p.alpha * v, v, v > 0.0)'],
  ['sign', 'sign(v)'], // sign(0) = 0
  ['clamp', 'clamp(v, p.alpha, p.beta)'],
  ['abs', 'abs(v)'],
  ['square', 'v * v'],
  ['affine', 'p.alpha * v + p.beta'],
  ['reciprocal', '1.0 / v'],
  ['softplus', 'max(v, 0.0) + log(1.0 + exp(-abs(v)))'], // stable
  ['binarize', 'select(-1.0, 1.0, v >= 0.0)'], // sign with sign(0) = +1
  ['pow', 'pow(abs(v), p.alpha) * select(1.0, sign(v), p.beta != 0.0)'], // |v|^alpha, signed if beta != 0
] as const;

/** Elementwise binary ops: [TS name, WGSL expression of u (from a) and v (from b)]; the op code is the index. */
export const BINARY_OP_TABLE = [
  ['add', 'u + v'],
  ['sub', 'u - v'],
  ['mul', 'u * v'],
  ['div', 'u / v'],
  ['maximum', 'max(u, v)'],
  ['minimum', 'min(u, v)'],
  ['reluBackward', 'select(0.0, v, u > 0.0)'], // u = x, v = dy
  ['tanhBackward', 'v * (1.0 - u * u)'], // u = y, v = dy
  ['sigmoidBackward', 'v * u * (1.0 - u)'], // u = y, v = dy
  ['leakyReluBackward', 'select(p.alpha * v, v, u > 0.0)'], // u = x, v = dy
  ['equal', 'select(0.0, 1.0, u == v)'],
  ['clampBackward', 'select(0.0, v, u >= p.alpha && u <= p.beta)'], // u = x, v = dy
  ['axpby', 'p.alpha * u + p.beta * v'],
  ['greater', 'select(0.0, 1.0, u > v)'],
  ['second', 'v'], // broadcast b to a's shape
  ['mulTanh', 'safe_tanh(p.alpha * u * v)'], // the hash codes tanh(δ·q ⊙ w) of JSGHCA's Jo-Attention in one pass
] as const;

/** The op tables the embed step turns into an `apply` function in the named kernel. */
export const OP_TABLES = { unary: { table: UNARY_OP_TABLE, args: 'v: f32' }, binary: { table: BINARY_OP_TABLE, args: 'u: f32, v: f32' } } as const;
