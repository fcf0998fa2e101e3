// Every rule, in code order. Adding a rule: its file in this folder, one line here, a test, a docs page.
import type { Rule } from './rule';
import { fp32TrainingLoop } from './GML101_fp32TrainingLoop';
import { kerasFp32Policy } from './GML102_kerasFp32Policy';
import { hfTrainerFp32 } from './GML103_hfTrainerFp32';
import { lightningFp32 } from './GML104_lightningFp32';
import { deprecatedCudaAmp } from './GML105_deprecatedCudaAmp';
import { exhaustiveGridSearch } from './GML201_exhaustiveGridSearch';
import { nestedLoopSearch } from './GML202_nestedLoopSearch';
import { kerasNoEarlyStopping } from './GML211_kerasNoEarlyStopping';
import { hfTrainerNoEarlyStopping } from './GML212_hfTrainerNoEarlyStopping';
import { lightningNoEarlyStopping } from './GML213_lightningNoEarlyStopping';
import { gbdtNoEarlyStopping } from './GML214_gbdtNoEarlyStopping';
import { sklearnNoEarlyStopping } from './GML215_sklearnNoEarlyStopping';

export const RULES: readonly Rule[] = [
  fp32TrainingLoop,
  kerasFp32Policy,
  hfTrainerFp32,
  lightningFp32,
  deprecatedCudaAmp,
  exhaustiveGridSearch,
  nestedLoopSearch,
  kerasNoEarlyStopping,
  hfTrainerNoEarlyStopping,
  lightningNoEarlyStopping,
  gbdtNoEarlyStopping,
  sklearnNoEarlyStopping,
];

/** Codes the engine itself emits (not rules): unknown suppression codes, configuration problems. */
export const META_CODES: Record<string, { name: string; summary: string }> = {
  GML001: { name: 'unknown-suppression-code', summary: 'A suppression comment names a rule code that does not exist.' },
  GML002: { name: 'invalid-configuration', summary: '`[tool.greenml]` in pyproject.toml is invalid TOML or has unknown keys or values.' },
  GML003: { name: 'file-not-analysed', summary: 'A file larger than `greenml.maxFileSize` is not analysed.' },
  GML004: { name: 'analysis-time-budget', summary: 'The per-file analysis time budget (`greenml.analysisTimeBudgetMs`) ran out before every rule had run.' },
};

const BY_CODE = new Map(RULES.map((r) => [r.code, r]));

export function ruleByCode(code: string): Rule | undefined {
  return BY_CODE.get(code);
}

export function isKnownCode(code: string): boolean {
  return BY_CODE.has(code) || code in META_CODES;
}
