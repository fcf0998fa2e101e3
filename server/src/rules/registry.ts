// Every rule, in code order. Adding a rule: its file in this folder (with its doc comment), its
// test in test/rules/, and one line here; `npm run docs` writes its docs page and README row.
import { ENGINE_CODES } from './engineCodes';
import type { Rule } from './rule';
import { fp32TrainingLoop } from './GML101_fp32TrainingLoop';
import { kerasFp32Policy } from './GML102_kerasFp32Policy';
import { hfTrainerFp32 } from './GML103_hfTrainerFp32';
import { lightningFp32 } from './GML104_lightningFp32';
import { deprecatedCudaAmp } from './GML105_deprecatedCudaAmp';
import { float64Training } from './GML106_float64Training';
import { noCompile } from './GML107_noCompile';
import { trainerHelperFp32 } from './GML108_trainerHelperFp32';
import { tfCustomLoopFp32 } from './GML109_tfCustomLoopFp32';
import { exhaustiveGridSearch } from './GML201_exhaustiveGridSearch';
import { nestedLoopSearch } from './GML202_nestedLoopSearch';
import { optunaNoPruning } from './GML203_optunaNoPruning';
import { libraryGridSearch } from './GML204_libraryGridSearch';
import { kerasNoEarlyStopping } from './GML211_kerasNoEarlyStopping';
import { hfTrainerNoEarlyStopping } from './GML212_hfTrainerNoEarlyStopping';
import { lightningNoEarlyStopping } from './GML213_lightningNoEarlyStopping';
import { gbdtNoEarlyStopping } from './GML214_gbdtNoEarlyStopping';
import { sklearnNoEarlyStopping } from './GML215_sklearnNoEarlyStopping';
import { loopNoEarlyStopping } from './GML216_loopNoEarlyStopping';
import { igniteNoEarlyStopping } from './GML217_igniteNoEarlyStopping';
import { wrappedNetNoEarlyStopping } from './GML218_wrappedNetNoEarlyStopping';
import { fastaiNoEarlyStopping } from './GML219_fastaiNoEarlyStopping';
import { dataloaderSingleProcess } from './GML301_dataloaderSingleProcess';
import { dataloaderNoPinMemory } from './GML302_dataloaderNoPinMemory';
import { denseSparseConversion } from './GML303_denseSparseConversion';
import { csvTrainingData } from './GML304_csvTrainingData';
import { gradTrackingInference } from './GML401_gradTrackingInference';
import { modelReloadInLoop } from './GML402_modelReloadInLoop';
import { trainingFromScratch } from './GML403_trainingFromScratch';
import { perStepHostSync } from './GML404_perStepHostSync';
import { fp32CpuInference } from './GML405_fp32CpuInference';

export const RULES: readonly Rule[] = [
  fp32TrainingLoop,
  kerasFp32Policy,
  hfTrainerFp32,
  lightningFp32,
  deprecatedCudaAmp,
  float64Training,
  noCompile,
  trainerHelperFp32,
  tfCustomLoopFp32,
  exhaustiveGridSearch,
  nestedLoopSearch,
  optunaNoPruning,
  libraryGridSearch,
  kerasNoEarlyStopping,
  hfTrainerNoEarlyStopping,
  lightningNoEarlyStopping,
  gbdtNoEarlyStopping,
  sklearnNoEarlyStopping,
  loopNoEarlyStopping,
  igniteNoEarlyStopping,
  wrappedNetNoEarlyStopping,
  fastaiNoEarlyStopping,
  dataloaderSingleProcess,
  dataloaderNoPinMemory,
  denseSparseConversion,
  csvTrainingData,
  gradTrackingInference,
  modelReloadInLoop,
  trainingFromScratch,
  perStepHostSync,
  fp32CpuInference,
];

const CODES = new Set([...RULES.map((r) => r.code), ...ENGINE_CODES.map((c) => c.code)]);

export function isKnownCode(code: string): boolean {
  return CODES.has(code);
}
