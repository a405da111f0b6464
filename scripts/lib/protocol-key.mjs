// The training protocol a run record was made under, as one key: the driver (scripts/results.mjs) resumes and renders
// only runs of its own protocol, and the README generator (scripts/readme-results.mjs) reads the same ones. No imports,
// so the generator works without a build.

/** Key of a protocol { epochs, patience, evalEvery, minEpochs? } (minEpochs 0 or absent: no floor). */
export const protocolKey = (p) => `e${p?.epochs}p${p?.patience}v${p?.evalEvery}${(p?.minEpochs ?? 0) > 0 ? `m${p.minEpochs}` : ''}`;

/** Filter for run records made under protocol `p`. */
export const sameProtocolAs = (p) => {
  const key = protocolKey(p);
  return (r) => protocolKey(r.protocol) === key;
};
