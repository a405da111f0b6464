/** `cmhash doctor`: which adapter, backend, features and limits; what to install when none is found. */
import { formatAdapter } from '../runtime/adapter-info.js';
import { AdapterError } from '../runtime/errors.js';
import { createNodeRuntime, type NodeBackend } from '../runtime/node-provider.js';
import { fromArray } from '../ops/elementwise.js';
import { add } from '../ops/elementwise.js';

export async function doctor(backend: NodeBackend = 'auto', json = false): Promise<number> {
  let rt;
  try {
    rt = await createNodeRuntime({ backend });
  } catch (e) {
    if (e instanceof AdapterError) {
      console.error(`cmhash doctor: ${e.message}`);
      return 1;
    }
    throw e;
  }
  try {
    // A real dispatch proves the device executes kernels, not just that it exists.
    const a = fromArray(rt, [1, 2, 3], [3]);
    const b = fromArray(rt, [10, 20, 30], [3]);
    const got = Array.from(await add(a, b).read());
    const ok = got.join(',') === '11,22,33';
    if (json) console.log(JSON.stringify({ ...rt.info, selfTest: ok }, null, 2));
    else {
      console.log(formatAdapter(rt.info));
      console.log(`self-test: ${ok ? 'ok (add kernel dispatched and read back)' : `FAILED, got ${got}`}`);
    }
    return ok ? 0 : 1;
  } finally {
    await rt.destroy();
  }
}
