// Fully qualified Python names (`torch.cuda.amp.autocast`) as the semantic model resolves them
// through imports and aliases, and the parts rules read of them. A QualifiedName is a dotted string
// (compared and kept in sets as such); these helpers are the one place that takes one apart.

export type QualifiedName = string & { readonly __qualifiedName: unique symbol };

/** A qualified name written out in full (framework tables, import statements). */
export function qualifiedName(dotted: string): QualifiedName {
  return dotted as QualifiedName;
}

/** `torch.cuda.amp` + `autocast` → `torch.cuda.amp.autocast`. */
export function memberOf(owner: string, name: string): QualifiedName {
  return `${owner}.${name}` as QualifiedName;
}

/** The last name: `autocast` of `torch.cuda.amp.autocast` (what a call is spelled with after `from … import`). */
export function lastName(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/** The top-level package: `torch` of `torch.cuda.amp.autocast`. */
export function topPackage(name: string): string {
  const dot = name.indexOf('.');
  return dot < 0 ? name : name.slice(0, dot);
}

/** The first `n` names: `torch.cuda.amp` of `torch.cuda.amp.autocast_mode.autocast` for 3. */
export function leadingNames(name: string, n: number): string {
  return name.split('.').slice(0, n).join('.');
}

/** The names, outermost first. */
export function namesOf(name: string): string[] {
  return name.split('.');
}

/** Whether a name is `prefix` or lies under it: `torch.cuda.synchronize` is within `torch.cuda`, `torch.cudaX` is not. */
export function isWithin(name: string, prefix: string): boolean {
  return name === prefix || (name.length > prefix.length && name.startsWith(prefix) && name.charCodeAt(prefix.length) === 46);
}

/** The name and each module above it: `torch.cuda.amp`, `torch.cuda`, `torch`. */
export function selfAndParents(name: string): string[] {
  const out = [name];
  for (let dot = name.lastIndexOf('.'); dot > 0; dot = name.lastIndexOf('.', dot - 1)) out.push(name.slice(0, dot));
  return out;
}
