// A/B of two builds in one process, alternating before/after every repetition so that load from other
// work on a shared machine hits both alike. Usage (each root built with `npm run build`):
//   node scripts/ab-builds.mjs <before repo root> <after repo root> [repetitions, default 25] [case-name regex]
// Prints one JSON line per case: median and min ms of each build.
const [beforeRoot, afterRoot, repArg, only] = process.argv.slice(2);
if (!beforeRoot || !afterRoot) throw new Error('usage: node scripts/ab-builds.mjs <before root> <after root> [repetitions]');
const builds = { before: beforeRoot, after: afterRoot };
const env = {};
for (const [k, root] of Object.entries(builds)) {
  const cm = await import(new URL(`file://${(await import('node:path')).resolve(root)}/dist/src/node.js`).href);
  env[k] = { cm, rt: await cm.createNodeRuntime() };
}
const rnd = (n, s) => { let x = s; return Float32Array.from({ length: n }, () => ((x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1); };
const cases = {
  'matmul 256': (cm, rt) => { const a = cm.fromArray(rt, rnd(256 * 256, 1), [256, 256]), b = cm.fromArray(rt, rnd(256 * 256, 2), [256, 256]); return () => cm.matmul(a, b); },
  'matmul 512': (cm, rt) => { const a = cm.fromArray(rt, rnd(512 * 512, 1), [512, 512]), b = cm.fromArray(rt, rnd(512 * 512, 2), [512, 512]); return () => cm.matmul(a, b); },
  'matmul 1024': (cm, rt) => { const a = cm.fromArray(rt, rnd(1024 * 1024, 1), [1024, 1024]), b = cm.fromArray(rt, rnd(1024 * 1024, 2), [1024, 1024]); return () => cm.matmul(a, b); },
  'matmul 64x1024x1024 (batch-like)': (cm, rt) => { const a = cm.fromArray(rt, rnd(64 * 1024, 1), [64, 1024]), b = cm.fromArray(rt, rnd(1024 * 1024, 2), [1024, 1024]); return () => cm.matmul(a, b); },
  'conv2d 8x16x32x32 k3 c32': (cm, rt) => { const x = cm.fromArray(rt, rnd(8 * 16 * 32 * 32, 3), [8, 16, 32, 32]), w = cm.fromArray(rt, rnd(32 * 16 * 9, 4), [32, 16, 3, 3]); return () => cm.conv2d(x, w, { padding: 1 }); },
  'softmax 16x512x512': (cm, rt) => { const s = cm.fromArray(rt, rnd(16 * 512 * 512, 5), [16, 512, 512]); return () => cm.softmax(s); },
  // Exact top-100 of 1,000 random 64-bit queries over 262,144 codes (the one-scan path); the result is read back by search().
  'hamming top-100 1000x262144 64-bit': (cm, rt) => {
    const words = (n, s) => { let x = s; return Uint32Array.from({ length: n * 2 }, () => (x = (x * 1103515245 + 12345) >>> 0)); };
    const index = cm.HammingIndex.create(rt, 64);
    index.add(words(262144, 7));
    const q = words(1000, 9);
    return () => ({ read: () => index.search(q, 100), dispose: () => {} });
  },
};
const reps = Number(repArg ?? 25);
for (const [name, make] of Object.entries(cases)) {
  if (only && !new RegExp(only).test(name)) continue;
  const fns = {}, ts = {};
  for (const k of Object.keys(env)) { fns[k] = make(env[k].cm, env[k].rt); ts[k] = []; for (let i = 0; i < 2; i++) { const y = fns[k](); await y.read(); y.dispose(); } }
  for (let i = 0; i < reps; i++) {
    for (const k of (i % 2 ? ['after', 'before'] : ['before', 'after'])) {
      const t0 = performance.now(); const y = fns[k](); await y.read(); ts[k].push(performance.now() - t0); y.dispose();
    }
  }
  const stat = (a) => { a.sort((x, y) => x - y); return { median: +a[a.length >> 1].toFixed(2), min: +a[0].toFixed(2) }; };
  console.log(JSON.stringify({ case: name, before: stat(ts.before), after: stat(ts.after) }));
}
for (const e of Object.values(env)) await e.rt.destroy();
