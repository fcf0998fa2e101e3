// Every rule, in code order. Adding a rule: its file in this folder, one line here, a test, a docs page.
import type { Rule } from './rule';
import { deprecatedCudaAmp } from './GML105_deprecatedCudaAmp';

export const RULES: readonly Rule[] = [
  deprecatedCudaAmp,
];

/** Codes the engine itself emits (not rules): unknown suppression codes, configuration problems. */
export const META_CODES: Record<string, { name: string; summary: string }> = {
  GML001: { name: 'unknown-suppression-code', summary: 'A suppression comment names a rule code that does not exist.' },
  GML002: { name: 'invalid-configuration', summary: '`[tool.greenml]` in pyproject.toml is invalid TOML or has unknown keys or values.' },
  GML003: { name: 'file-not-analysed', summary: 'A file larger than `greenml.maxFileSize` is not analysed.' },
};

const BY_CODE = new Map(RULES.map((r) => [r.code, r]));

export function ruleByCode(code: string): Rule | undefined {
  return BY_CODE.get(code);
}

export function isKnownCode(code: string): boolean {
  return BY_CODE.has(code) || code in META_CODES;
}
