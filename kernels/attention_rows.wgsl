// Shared by attention.wgsl and attention_sg.wgsl: q, k, v, o are [B, T, d] with head h in columns
// h·dh … h·dh + dh − 1 (d = H·dh).

// The head width, a pipeline constant: the loops over it unroll and the accumulators stay in registers (as a
// uniform it left them as dynamically indexed private arrays in memory: ≈ 0.7 GFLOP/s on lavapipe).
override DH: u32 = 32u;
const MAX_DH = 64u;

// Offset of token t, head h of item b.
fn at_row(b: u32, t: u32, h: u32) -> u32 { return (b * p.T + t) * p.d + h * DH; }
