// Shared by the elementwise kernels that bind their tensors as vec4s and handle EPI elements (EPI / 4
// consecutive vec4s) per invocation (`//#include vec4_grid.wgsl`; EPI comes from the descriptor's epi).
// lavapipe loads and stores storage one lane and one component at a time, paying a fixed cost per access
// instruction and per invocation: a vec4 access moves 4 elements for about the cost of one, and several
// per invocation spread the invocation's own cost. A vec4 may reach past the tensor's last element into
// its binding's padding (bindings cover whole vec4s: src/tensor/tensor.ts, Storage), which belongs to no
// tensor: reading it is harmless and writing it needs no mask.
//#include common.wgsl

const V4: u32 = EPI / 4u;

// The vec4s of invocation (gid, nwg) for a tensor of n elements: [x, y), EPI / 4 consecutive ones, fewer
// (or none) at the end of the tensor.
fn vec4_range(gid: vec3u, nwg: vec3u, n: u32) -> vec2u {
  let first = global_index(gid, nwg) * V4;
  return vec2u(first, min(first + V4, (n + 3u) / 4u));
}
