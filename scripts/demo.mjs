#!/usr/bin/env node
// `npm run demo`: build the demo page and serve it on 127.0.0.1 with a `cmhash export-demo` folder at data/.
//
//   npm run demo                              serve runs/default/demo, exporting it first from
//                                             runs/default/checkpoints/best (or last) when missing
//   npm run demo -- --data <export dir>       serve this export
//   npm run demo -- --checkpoint <dir> [--out <dir>]   export this checkpoint (to <dir>/../../demo or --out), then serve
//   --port <n>                                port (default 8173; a free one when it is taken)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildDemo, ROOT } from './build-browser.mjs';
import { serveStatic } from './static-server.mjs';

const { values: v } = parseArgs({
  options: { data: { type: 'string' }, checkpoint: { type: 'string' }, out: { type: 'string' }, port: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
});
if (v.help) {
  console.log('npm run demo [-- --data <export dir> | --checkpoint <checkpoint dir> [--out <dir>]] [--port <n>]');
  process.exit(0);
}

function exportDemo(checkpoint, out) {
  const cli = join(ROOT, 'dist', 'src', 'cli', 'main.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first (npm run demo does)`);
  console.log(`cmhash demo: exporting ${checkpoint} → ${out}`);
  const r = spawnSync(process.execPath, [cli, 'export-demo', '--checkpoint', checkpoint, '--out', out], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`cmhash export-demo failed (exit ${r.status ?? r.signal})`);
}

/** The export folder to serve, exporting a checkpoint first when asked or when the default run has no export yet. */
function dataDir() {
  if (v.data) return resolve(v.data);
  if (v.checkpoint) {
    const ckpt = resolve(v.checkpoint);
    const out = resolve(v.out ?? join(dirname(dirname(ckpt)), 'demo'));
    exportDemo(ckpt, out);
    return out;
  }
  const run = join(ROOT, 'runs', 'default');
  const out = join(run, 'demo');
  if (existsSync(join(out, 'demo.json'))) return out;
  const ckpt = ['best', 'last'].map((c) => join(run, 'checkpoints', c)).find((c) => existsSync(join(c, 'checkpoint.json')));
  if (ckpt) {
    exportDemo(ckpt, out);
    return out;
  }
  console.warn('cmhash demo: no export found (runs/default/demo) and no checkpoint to make one (runs/default/checkpoints).\n' +
    '  Train one first (npm start), or pass --data <export dir> or --checkpoint <dir>. The page will say so too,\n' +
    '  and can open an export folder you pick.');
  return out;
}

try {
  const data = dataDir();
  const site = await buildDemo();
  const mounts = { '/': site, '/data/': data };
  const want = v.port === undefined ? 8173 : Number(v.port);
  if (!Number.isInteger(want) || want < 0 || want > 65535) throw new Error(`--port must be an integer 0..65535, got ${v.port}`);
  let server;
  try {
    server = await serveStatic(mounts, { port: want });
  } catch (e) {
    if (e.code !== 'EADDRINUSE' || v.port !== undefined) throw e;
    server = await serveStatic(mounts, { port: 0 });
  }
  console.log(`cmhash demo: serving ${data} at ${server.url}data/`);
  console.log(`cmhash demo: open ${server.url}  (Ctrl-C to stop)`);
} catch (e) {
  console.error(`cmhash demo: ${e.message}`);
  process.exit(1);
}
