// Values of Python expressions as far as literals and simple arithmetic determine them.
// Anything else is `unknown`: rules must treat unknown as "could be either", never as false.
import type { Node } from './parser';

export type Value =
  | { kind: 'number'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'none' }
  | { kind: 'list' | 'tuple' | 'set'; items: Value[] }
  | { kind: 'dict'; entries: Array<{ key: Value; value: Value }> }
  | { kind: 'unknown'; node?: Node };

export const UNKNOWN: Value = Object.freeze({ kind: 'unknown' }) as Value;

/** Python truthiness of a value: true, false or undefined when it cannot be known. */
export function truthiness(v: Value): boolean | undefined {
  switch (v.kind) {
    case 'bool':
      return v.value;
    case 'number':
      return v.value !== 0;
    case 'string':
      return v.value.length > 0;
    case 'none':
      return false;
    case 'list':
    case 'tuple':
    case 'set':
      return v.items.length > 0;
    case 'dict':
      return v.entries.length > 0;
    default:
      return undefined;
  }
}

/** Number of elements of a sized literal, or undefined. */
export function lengthOf(v: Value): number | undefined {
  switch (v.kind) {
    case 'list':
    case 'tuple':
    case 'set':
      return v.items.length;
    case 'dict':
      return v.entries.length;
    case 'string':
      return v.value.length;
    default:
      return undefined;
  }
}

export function stringValue(v: Value): string | undefined {
  return v.kind === 'string' ? v.value : undefined;
}

export function numberValue(v: Value): number | undefined {
  if (v.kind === 'number') return v.value;
  if (v.kind === 'bool') return v.value ? 1 : 0;
  return undefined;
}

/** Looks a string key up in a dict value: the value, undefined when absent, UNKNOWN when it cannot be told. */
export function dictGet(v: Value, key: string): Value | undefined {
  if (v.kind !== 'dict') return UNKNOWN;
  let unsure = false;
  for (const e of v.entries) {
    if (e.key.kind === 'string' && e.key.value === key) return e.value;
    if (e.key.kind === 'unknown') unsure = true;
  }
  return unsure ? UNKNOWN : undefined;
}

/** Short human rendering, for messages. */
export function describe(v: Value): string {
  switch (v.kind) {
    case 'number':
      return String(v.value);
    case 'string':
      return JSON.stringify(v.value);
    case 'bool':
      return v.value ? 'True' : 'False';
    case 'none':
      return 'None';
    case 'list':
      return `[${v.items.map(describe).join(', ')}]`;
    case 'tuple':
      return `(${v.items.map(describe).join(', ')})`;
    case 'set':
      return `{${v.items.map(describe).join(', ')}}`;
    case 'dict':
      return `{${v.entries.map((e) => `${describe(e.key)}: ${describe(e.value)}`).join(', ')}}`;
    default:
      return '…';
  }
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0', a: '\x07', b: '\b', f: '\f', v: '\v' };

/** The value of a `string` node without interpolation; undefined for f-strings with fields. */
export function stringLiteral(node: Node): string | undefined {
  let out = '';
  for (const child of node.namedChildren) {
    if (!child) continue;
    switch (child.type) {
      case 'string_start':
      case 'string_end':
        break;
      case 'string_content':
        // tree-sitter-python puts escape sequences inside string_content (none in raw strings).
        out += decodeContent(child);
        break;
      case 'escape_sequence': {
        const t = child.text;
        out += ESCAPES[t.slice(1)] ?? t;
        break;
      }
      case 'interpolation':
        return undefined;
      default:
        break;
    }
  }
  return out;
}

/** A string_content node's text with its escape_sequence children decoded. */
function decodeContent(content: Node): string {
  const text = content.text;
  let out = '';
  let cursor = 0;
  for (const esc of content.namedChildren) {
    if (!esc || esc.type !== 'escape_sequence') continue;
    const at = esc.startIndex - content.startIndex;
    out += text.slice(cursor, at) + decodeEscape(esc.text);
    cursor = esc.endIndex - content.startIndex;
  }
  return out + text.slice(cursor);
}

function decodeEscape(t: string): string {
  const body = t.slice(1);
  if (body in ESCAPES) return ESCAPES[body];
  if (body[0] === '\n' || body[0] === '\r') return ''; // a backslash-newline continues the string
  const hex = /^(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8}))$/.exec(body);
  if (hex) return String.fromCodePoint(parseInt(hex[1] ?? hex[2] ?? hex[3], 16));
  if (/^[0-7]{1,3}$/.test(body)) return String.fromCodePoint(parseInt(body, 8));
  return t;
}

/** Parses a Python integer or float token. */
export function numberLiteral(text: string): number | undefined {
  const t = text.split('_').join('').toLowerCase();
  if (t.endsWith('j')) return undefined;
  let n: number;
  if (t.startsWith('0x') || t.startsWith('0o') || t.startsWith('0b')) n = Number(t);
  else if (t.endsWith('l')) n = Number(t.slice(0, -1));
  else n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

export function binaryOp(op: string, a: Value, b: Value): Value {
  if (a.kind === 'number' && b.kind === 'number') {
    const x = a.value;
    const y = b.value;
    switch (op) {
      case '+':
        return { kind: 'number', value: x + y };
      case '-':
        return { kind: 'number', value: x - y };
      case '*':
        return { kind: 'number', value: x * y };
      case '/':
        return y === 0 ? UNKNOWN : { kind: 'number', value: x / y };
      case '//':
        return y === 0 ? UNKNOWN : { kind: 'number', value: Math.floor(x / y) };
      case '%':
        return y === 0 ? UNKNOWN : { kind: 'number', value: ((x % y) + y) % y };
      case '**':
        return { kind: 'number', value: x ** y };
      default:
        return UNKNOWN;
    }
  }
  if (op === '+' && a.kind === 'string' && b.kind === 'string') return { kind: 'string', value: a.value + b.value };
  if (op === '+' && (a.kind === 'list' || a.kind === 'tuple') && a.kind === b.kind) {
    return { kind: a.kind, items: [...a.items, ...(b as { items: Value[] }).items] };
  }
  if (op === '*') {
    const seq = a.kind === 'list' || a.kind === 'tuple' ? a : b.kind === 'list' || b.kind === 'tuple' ? b : undefined;
    const count = seq === a ? b : a;
    if (seq && (seq.kind === 'list' || seq.kind === 'tuple') && count.kind === 'number' && Number.isInteger(count.value)) {
      const n = Math.max(0, count.value);
      if (seq.items.length * n > MAX_ITEMS) return UNKNOWN;
      const items: Value[] = [];
      for (let i = 0; i < n; i++) items.push(...seq.items);
      return { kind: seq.kind, items };
    }
  }
  return UNKNOWN;
}

/** Sequences longer than this are not materialised (range(10**9) stays unknown). */
export const MAX_ITEMS = 100_000;

export function rangeValue(args: number[]): Value {
  let [start, stop, step] = [0, 0, 1];
  if (args.length === 1) stop = args[0];
  else if (args.length >= 2) [start, stop, step] = [args[0], args[1], args[2] ?? 1];
  if (![start, stop, step].every(Number.isInteger) || step === 0) return UNKNOWN;
  const count = Math.max(0, Math.ceil((stop - start) / step));
  if (count > MAX_ITEMS) return UNKNOWN;
  const items: Value[] = [];
  for (let i = 0; i < count; i++) items.push({ kind: 'number', value: start + i * step });
  return { kind: 'list', items };
}

/** A list of `count` elements whose values are not known (e.g. np.linspace(0, 1, 5)). */
export function unknownItems(count: number): Value {
  if (!Number.isInteger(count) || count < 0 || count > MAX_ITEMS) return UNKNOWN;
  return { kind: 'list', items: Array.from({ length: count }, () => UNKNOWN) };
}
