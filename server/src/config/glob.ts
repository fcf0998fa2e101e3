// Glob matching for per-file-ignores, in time linear in the path's length: the glob is compiled to a
// small automaton whose set of live states is carried along the path, one character at a time. (A
// glob turned into a backtracking regular expression takes exponential time on patterns such as
// `*a*a*a*a*a*a*b` against a long name, and a repository chooses its globs.)
//
// Syntax, as Ruff reads per-file-ignores: `*` any run of characters within a path segment, `**` any
// run across segments, `**/` zero or more whole segments, `?` one character other than `/`; every
// other character is literal. A pattern without `/` matches the file name in any folder.

type Token = { kind: 'char'; char: string } | { kind: 'one' } | { kind: 'star' } | { kind: 'globstar' } | { kind: 'segments' };

function tokenize(pattern: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      let end = i + 2;
      while (pattern[end] === '*') end++; // `***` is `**`
      if (pattern[end] === '/') {
        // `**/**/` is `**/`: one is enough and keeps the automaton small.
        if (tokens.at(-1)?.kind !== 'segments') tokens.push({ kind: 'segments' });
        i = end;
      } else {
        tokens.push({ kind: 'globstar' });
        i = end - 1;
      }
    } else if (c === '*') {
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (c === '?') tokens.push({ kind: 'one' });
    else tokens.push({ kind: 'char', char: c });
  }
  return tokens;
}

/**
 * A matcher for one glob, relative to the project root (`/`-separated paths). Each path is matched in
 * O(path length × glob length) steps, whatever the glob.
 */
export function globToMatcher(glob: string): (path: string) => boolean {
  const pattern = glob.includes('/') ? glob.replace(/^\.\//, '') : `**/${glob}`;
  const tokens = tokenize(pattern);
  const n = tokens.length;
  // State 2i: before token i; state 2i+1: inside token i (a `**/` that has consumed at least one
  // character and ends at its next `/`). State 2n accepts.
  const accept = 2 * n;
  return (path: string): boolean => {
    let current = new Uint8Array(accept + 1);
    let next = new Uint8Array(accept + 1);
    const add = (set: Uint8Array, state: number): void => {
      // Follows the empty moves: a star, globstar or `**/` may match nothing.
      for (let s = state; s <= accept && !set[s]; ) {
        set[s] = 1;
        if (s === accept || s % 2 === 1) return;
        const t = tokens[s / 2];
        if (t.kind === 'segments') add(set, s + 1);
        if (t.kind !== 'star' && t.kind !== 'globstar' && t.kind !== 'segments') return;
        s += 2;
      }
    };
    add(current, 0);
    for (let k = 0; k < path.length; k++) {
      const ch = path[k];
      next.fill(0);
      let any = false;
      for (let s = 0; s < accept; s++) {
        if (!current[s]) continue;
        const i = s >> 1;
        const t = tokens[i];
        if (s % 2 === 1) {
          // Inside `**/`: any character continues it, and a `/` may also end it.
          add(next, s);
          if (ch === '/') add(next, 2 * (i + 1));
          any = true;
          continue;
        }
        const moves = t.kind === 'globstar' || (t.kind === 'star' && ch !== '/');
        const advances = (t.kind === 'char' && ch === t.char) || (t.kind === 'one' && ch !== '/');
        // A `**/` before state is entered through its inside state (added with it).
        if (moves) add(next, s);
        if (advances) add(next, s + 2);
        any ||= moves || advances;
      }
      if (!any) return false;
      [current, next] = [next, current];
    }
    return current[accept] === 1;
  };
}
