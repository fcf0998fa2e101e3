// Settings renamed for the Settings UI's labels (`pue` showed as "Pue", `ukPostcode` as "Uk Postcode"):
// the old keys are still read, by the client and the server alike.

/** `powerUsageEffectiveness`, or its old name `pue` while the new one is left at its default (1). */
export function effectivePue(pue: number | undefined, old: number | null | undefined): number | undefined {
  if (typeof pue === 'number' && pue !== 1) return pue;
  return typeof old === 'number' ? old : pue;
}

/** `postcode`, or its old name `ukPostcode` while the new one is empty. */
export function effectivePostcode(postcode: string | undefined, old: string | undefined): string | undefined {
  return postcode?.trim() || old?.trim() || undefined;
}
