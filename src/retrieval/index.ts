export { HammingIndex, type AutoChoice, type HammingIndexOptions, type SearchStrategy } from './hamming-index.js';
export { MultiIndexHashing, defaultSubstrings, type MultiIndexOptions, type MultiIndexStats } from './multi-index.js';
export { packedToBytes, bytesToPacked, bytesPerCode } from './code-bytes.js';
export { topKDifference, type ForeignTopK } from './compare.js';
export { hammingTopKCpu, hammingRadiusCpu, popcount32, scanDistances, selectTopK, type TopKResult, type RadiusResult } from './cpu-scan.js';
export {
  evaluateRetrieval, metricsToJson, DEFAULT_MAP_AT, DEFAULT_TOP_K,
  type EvaluateRetrievalOptions, type PrPoint, type RetrievalMetrics,
} from './metrics.js';
export { lineChartSvg, niceTicks, prCurveSvg, precisionAtKSvg, type LineChartOptions, type NamedMetrics, type Series } from './plots.js';
export * from './index-file.js';
