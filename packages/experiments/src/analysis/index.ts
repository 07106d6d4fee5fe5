/** Pure analysis math on Float32Array + shape; never imports tfjs (the dashboard may use it). */
export { circleOrderScore } from "./circle.ts";
export { linearFit, logLogSlope } from "./fit.ts";
export { symmetricEigen, eigenvector, type SymmetricEigen } from "./eigen.ts";
export {
  adjacencyMatrix, hopMatrix, rowNormalizedLaplacian, graphSpectrum, randomWalkEigen, laplacianCoordinates, projectionNorms, spectralBias,
} from "./laplacian.ts";
export { cosineMatrix, gram, geometricLevel, twoHopCosine, topKRecovery, topKRows, topOneCeiling } from "./geometry.ts";
export { geometricMargin, skewedLogits } from "./geometric-margin.ts";
export { principalCoordinates, fiedlerDirectionCoordinates } from "./embedding-views.ts";
export { leadingColumns, singularValues, singularValuesOfTall, svd, transpose, type Svd } from "./svd.ts";
export { principalAnglesDegrees, principalCosines, subspaceMatching } from "./subspaces.ts";
export { matrixProblem, matrixSingularValues, subsampleSteps, MAX_SPECTRUM_SIDE } from "./spectra.ts";
export { bridgeOverlap, defaultBridgeRank, embeddingSplit, type BridgeOverlap, type SpectrumSplit } from "./bridge-subspace.ts";
