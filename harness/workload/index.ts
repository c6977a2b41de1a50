export { runLoad, type RunLoadOptions, type LoadRunResult } from './driver.js';
export { seedPatients, type SeedOptions, type SeededPatient } from './seed.js';
export { readBack, type ReadBackEntry, type ReadBackOptions } from './readback.js';
export {
  defaultProfile,
  scaleProfile,
  onlyFunctions,
  profileTotals,
  READ_FUNCTIONS,
  WRITE_FUNCTIONS,
  REQUESTS_PER_ATTEMPT,
  type LoadProfile,
  type ProfileTotals,
} from './profile.js';
export { BucketAggregator, type AttemptSample, type BucketRecord, type BucketAggregatorOptions } from './buckets.js';
export { MergeableHistogram, type SparseHistogram } from './histogram.js';
export { parseLoadLine, MalformedLineError, type LoadAttempt, type LoadLine, type LoadSummary, type LoadFunctionSummary } from './lines.js';
export { buildEpjLoadBinary, EPJ_LOAD_BIN, EPJ_LOAD_SOURCE } from './build-epj-load.js';
