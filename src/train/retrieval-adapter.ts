/**
 * The one place where training, evaluation and the CLI meet the retrieval module (src/retrieval):
 * ranking metrics, plots, the Hamming index. Everything in src/train and src/cli imports these names
 * from here, so a change of the retrieval API touches only this file.
 */
export {
  evaluateRetrieval, metricsToJson, prCurveSvg, precisionAtKSvg, HammingIndex, hammingTopKCpu,
  type RetrievalMetrics, type NamedMetrics, type TopKResult,
} from '../retrieval/index.js';
