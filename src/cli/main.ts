#!/usr/bin/env node
/** The `cmhash` command line. */
import { doctor } from './doctor.js';
import type { NodeBackend } from '../runtime/node-provider.js';

const USAGE = `cmhash <command> [options]

Commands:
  doctor            print the WebGPU adapter, backend, features and limits; run a self-test

Common options:
  --backend <auto|vulkan|opengles|swiftshader>   device backend (default auto: Vulkan, then OpenGL ES)
  --help                                         this text
`;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...args] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    console.log(USAGE);
    return cmd ? 0 : 1;
  }
  switch (cmd) {
    case 'doctor':
      if (args.includes('--help')) {
        console.log('cmhash doctor [--backend auto|vulkan|opengles|swiftshader] [--json]');
        return 0;
      }
      return doctor((option(args, 'backend') ?? 'auto') as NodeBackend, args.includes('--json'));
    default:
      console.error(`cmhash: unknown command "${cmd}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    console.error(`cmhash: ${(err as Error).message}`);
    process.exitCode = 1;
  },
);
