/** Merging user overrides into a model's defaults, rejecting unknown keys (typos must not pass silently). */
import { CmhashError } from '../../runtime/errors.js';

function isPlain(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

export function mergeConfig<T extends object>(model: string, defaults: T, overrides?: Record<string, unknown>, path = ''): T {
  const out = { ...defaults } as Record<string, unknown>;
  for (const [k, v] of Object.entries(overrides ?? {})) {
    if (!(k in out)) throw new CmhashError(`${model}: unknown config key '${path}${k}'. Known: ${Object.keys(out).join(', ')}`);
    const cur = out[k];
    if (isPlain(cur)) {
      if (!isPlain(v)) throw new CmhashError(`${model}: config '${path}${k}' must be an object`);
      out[k] = mergeConfig(model, cur, v, `${path}${k}.`);
    } else {
      if (typeof v !== typeof cur) throw new CmhashError(`${model}: config '${path}${k}' must be a ${typeof cur}, got ${typeof v}`);
      out[k] = v;
    }
  }
  return out as T;
}
