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
import { exhaustiveGridSearch } from './GML201_exhaustiveGridSearch';
import { nestedLoopSearch } from './GML202_nestedLoopSearch';
import { optunaNoPruning } from './GML203_optunaNoPruning';
import { kerasNoEarlyStopping } from './GML211_kerasNoEarlyStopping';
import { hfTrainerNoEarlyStopping } from './GML212_hfTrainerNoEarlyStopping';
import { lightningNoEarlyStopping } from './GML213_lightningNoEarlyStopping';
import { gbdtNoEarlyStopping } from './GML214_gbdtNoEarlyStopping';
import { sklearnNoEarlyStopping } from './GML215_sklearnNoEarlyStopping';
import { loopNoEarlyStopping } from './GML216_loopNoEarlyStopping';
import { dataloaderSingleProcess } from './GML301_dataloaderSingleProcess';
import { dataloaderNoPinMemory } from './GML302_dataloaderNoPinMemory';
import { denseSparseConversion } from './GML303_denseSparseConversion';
import { csvTrainingData } from './GML304_csvTrainingData';
import { trainingFromScratch } from './GML403_trainingFromScratch';
import { perStepHostSync } from './GML404_perStepHostSync';

export const RULES: readonly Rule[] = [
  fp32TrainingLoop,
  kerasFp32Policy,
  hfTrainerFp32,
  lightningFp32,
  deprecatedCudaAmp,
  float64Training,
  noCompile,
  exhaustiveGridSearch,
  nestedLoopSearch,
  optunaNoPruning,
  kerasNoEarlyStopping,
  hfTrainerNoEarlyStopping,
  lightningNoEarlyStopping,
  gbdtNoEarlyStopping,
  sklearnNoEarlyStopping,
  loopNoEarlyStopping,
  dataloaderSingleProcess,
  dataloaderNoPinMemory,
  denseSparseConversion,
  csvTrainingData,
  trainingFromScratch,
  perStepHostSync,
];

const CODES = new Set([...RULES.map((r) => r.code), ...ENGINE_CODES.map((c) => c.code)]);

export function isKnownCode(code: string): boolean {
  return CODES.has(code);
}
