#!/usr/bin/env node
/** The `cmhash` command line. */
import { doctor } from './doctor.js';
import { backendOf, parse, UsageError } from './common.js';
import { TRAIN_HELP, trainCommand } from './train.js';
import { EVAL_HELP, evalCommand } from './eval.js';
import { ENCODE_HELP, encodeCommand, SEARCH_HELP, searchCommand } from './codes.js';
import { BENCH_HELP, benchCommand } from './bench.js';
import { EXPORT_DEMO_HELP, exportDemoCommand } from './export-demo.js';
import { PACK_HELP, packCommand } from './pack.js';
import { EXPORT_HELP, exportCommand } from './export.js';
import { packageVersion, setQuiet } from './output.js';
import { needsStderrRelay, relayStderr } from './stderr-relay.js';

/** Commands that open a WebGPU device (and so may meet Dawn's adapter warnings). */
const DEVICE_COMMANDS = new Set(['train', 'eval', 'encode', 'search', 'export-demo', 'export', 'doctor', 'bench']);

const DOCTOR_HELP = `cmhash doctor [--backend auto|vulkan|opengles|swiftshader] [--json]

Prints the WebGPU adapter, backend, features and limits, and runs a one-kernel self-test.`;

const USAGE = `cmhash <command> [options]      (cmhash <command> --help for each)

Commands:
  pack     your own files (features, labels, captions, photos) → a dataset folder for --data
           cmhash pack --image-features img.npy --captions captions.txt --labels labels.csv --out mydata
  train    train a model on a dataset, evaluate mAP, write checkpoints, results.json and plots
           cmhash train --model jsghca --bits 64 --data default
  eval     evaluate a checkpoint (I→T and T→I mAP@all, mAP@50, P@K, PR; JSON + SVG plots)
           cmhash eval --checkpoint runs/jsghca-64/checkpoints/best
  encode   features → packed binary codes (a HammingIndex file)
           cmhash encode --checkpoint <dir> --modality text --data default --split retrieval --output db.cmhi
  search   queries → top-k database rows with Hamming distances
           cmhash search --index db.cmhi --queries q.cmhi --k 10
  export   a HammingIndex file → codes.npy, ids.npy, labels.npy for numpy / FAISS / Milvus
           cmhash export --index db.cmhi --data default --split retrieval --out db-export
  bench    run the benchmark harness (node dist/bench/run.js …)
  export-demo  a checkpoint → static files for the browser demo (npm run demo)
           cmhash export-demo --checkpoint runs/default/checkpoints/best --out runs/default/demo
  doctor   print the WebGPU adapter, backend, features and limits; run a self-test

Common options:
  --backend <auto|vulkan|opengles|swiftshader>   device backend (default auto: Vulkan, then OpenGL ES)
  --quiet, -q                                    no progress or status lines (errors and data output still print)
  --help                                         help for a command
  --version                                      print the cmhash version
`;

const HELP: Record<string, string> = { train: TRAIN_HELP, eval: EVAL_HELP, encode: ENCODE_HELP, search: SEARCH_HELP, bench: BENCH_HELP, 'export-demo': EXPORT_DEMO_HELP, export: EXPORT_HELP, doctor: DOCTOR_HELP, pack: PACK_HELP };

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--version' || argv[0] === '-v' || argv[0] === 'version') {
    console.log(packageVersion());
    return 0;
  }
  // --quiet is global: every command accepts it anywhere on the line.
  const quiet = argv.some((a) => a === '--quiet' || a === '-q');
  setQuiet(quiet);
  const [cmd, ...args] = argv.filter((a) => a !== '--quiet' && a !== '-q');
  if (cmd && DEVICE_COMMANDS.has(cmd) && !args.includes('--help') && !args.includes('-h') && needsStderrRelay()) return relayStderr();
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    if (cmd === 'help' && args[0] && HELP[args[0]]) console.log(HELP[args[0]]);
    else console.log(USAGE);
    return cmd ? 0 : 1;
  }
  try {
    switch (cmd) {
      case 'pack': return await packCommand(args);
      case 'train': return await trainCommand(args);
      case 'eval': return await evalCommand(args);
      case 'encode': return await encodeCommand(args);
      case 'search': return await searchCommand(args);
      case 'bench': return benchCommand(args);
      case 'export': return await exportCommand(args);
      case 'export-demo': return await exportDemoCommand(args);
      case 'doctor': {
        const v = parse(args, { backend: { type: 'string' }, device: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
        if (v.help) {
          console.log(DOCTOR_HELP);
          return 0;
        }
        return await doctor(backendOf(v.backend), v.json === true);
      }
      default:
        console.error(`cmhash: unknown command "${cmd}"\n\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`cmhash ${cmd}: ${e.message}\n\n${HELP[cmd] ?? USAGE}`);
      return 2;
    }
    throw e;
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    console.error(`cmhash: ${(err as Error).message}`);
    process.exitCode = 1;
  },
);
