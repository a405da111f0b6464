// Shared by the 1-D kernels (`//#include common.wgsl`): the linear invocation id of a grid that
// rt.grid() folded into (x, y) to stay under maxComputeWorkgroupsPerDimension. WG is the kernel's
// workgroup size (its descriptor's `override WG`).
fn global_index(gid: vec3u, nwg: vec3u) -> u32 { return gid.x + gid.y * nwg.x * WG; }

// Element k of an `array<vec4u, 2>` uniform (shapes and strides up to rank 8).
fn at(v: array<vec4u, 2>, k: u32) -> u32 { return v[k / 4u][k % 4u]; }
