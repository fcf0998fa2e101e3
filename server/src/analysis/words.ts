// The one tokenizer of the engine: what a "word" is (a run of letters, digits, underscores and any
// non-ASCII character, as Python identifiers may hold), where a text spells one, and the few token
// peeks that let the model skip the tree where the text already tells. Both the semantic model's
// word indexes and the words an edit changed (document.ts) are read with it, so they always agree.

/** Whether a UTF-16 code unit belongs to a word. */
export function isWordCode(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c > 127;
}

/** The distinct words of a text. */
export function wordsOf(text: string): Set<string> {
  const words = new Set<string>();
  forEachWord(text, (start, end) => words.add(text.slice(start, end)));
  return words;
}

/** Every word of a text with the offsets where it stands. */
export function indexWords(text: string): Map<string, number[]> {
  const words = new Map<string, number[]>();
  forEachWord(text, (start, end) => {
    const word = text.slice(start, end);
    const list = words.get(word);
    if (list) list.push(start);
    else words.set(word, [start]);
  });
  return words;
}

function forEachWord(text: string, visit: (start: number, end: number) => void): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    let c = text.charCodeAt(i);
    if (!isWordCode(c)) {
      i++;
      continue;
    }
    const start = i;
    do c = text.charCodeAt(++i);
    while (i < n && isWordCode(c));
    visit(start, i);
  }
}

/** Offsets where `word` stands as a whole word (the places indexWords gives for it). */
export function* wordOffsets(text: string, word: string): Generator<number> {
  // An empty name (a MISSING identifier tree-sitter put in a broken text) is spelled nowhere.
  if (word.length === 0) return;
  for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
    if (at > 0 && isWordCode(text.charCodeAt(at - 1))) continue;
    const after = at + word.length;
    if (after < text.length && isWordCode(text.charCodeAt(after))) continue;
    yield at;
  }
}

/** The first character at or after `at` that is not white space or a backslash line continuation ('' at the end). */
export function nextTokenChar(text: string, at: number): string {
  for (let i = at; i < text.length; i++) {
    const c = text[i];
    if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r' && c !== '\\' && c !== '\f') return c;
  }
  return '';
}

const NON_BINDING_FOLLOWERS = new Set(['+', '-', '*', '/', '%', '&', '|', '^', '<', '>', '!', '@', '~']);

/**
 * Whether a name spelled at [start, end) can be a binding (an assignment, `for` or `with` target, a
 * def or class name, a parameter), judged from the tokens around it; what passes is decided in the
 * tree. No binding is followed by `.` (an attribute's object), by an operator (`==`, `+`, `x += 1`
 * does not bind in this model either), or by `(` or `[` unless `def` or `class` comes before it.
 */
export function mayBindBefore(text: string, start: number, end: number): boolean {
  const next = nextTokenChar(text, end);
  if (next === '.' || NON_BINDING_FOLLOWERS.has(next)) return false;
  if (next === '=') return text[text.indexOf('=', end) + 1] !== '=';
  if (next !== '(' && next !== '[') return true;
  let i = start - 1;
  while (i >= 0 && (text[i] === ' ' || text[i] === '\t')) i--;
  const keyword = (word: string): boolean => text.startsWith(word, i - word.length + 1) && (i - word.length < 0 || !isWordCode(text.charCodeAt(i - word.length)));
  return keyword('def') || keyword('class');
}
