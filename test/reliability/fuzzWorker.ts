// The fuzz run's worker thread (see fuzz.test.ts): runs the engine on each input it is sent and
// answers with what went wrong. On its own thread, a hang is seen by the test instead of freezing it.
import { parentPort } from 'node:worker_threads';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyzeText, analyzeTree, type AnalysisResult } from '../../server/src/analysis/analyze';
import { PythonDocument } from '../../server/src/analysis/document';
import { IncrementalAnalysis } from '../../server/src/analysis/incremental/incremental';
import { loadPython } from '../../server/src/analysis/parser';
import { indentWidthCount } from '../../server/src/analysis/parseGuard';
import { SourceText } from '../../server/src/analysis/sourceText';
import { effectiveConfig } from '../../server/src/config/settings';
import { fixAllText } from '../../server/src/fixes/fixAll';
import { analyzeNotebook, fixNotebook } from '../../server/src/notebooks/cells';
import { NotebookFormatError, parseIpynb, rewriteIpynb } from '../../server/src/notebooks/ipynb';
import { hasSyntaxError } from '../helpers/analysis';
import type { RangedChange } from './mutate';

export interface FuzzRequest {
  id: number;
  kind: 'py' | 'ipynb';
  /** The fixture the input was made from (for the incremental path: the document is edited from it). */
  original: string;
  text: string;
  /** Changes with stray ranges, applied to the edited document after the input (see strayChanges). */
  stray: RangedChange[];
}

export interface FuzzReply {
  id: number;
  /** Crashes and broken guarantees; empty when all went well. */
  problems: string[];
  findings: number;
  fixed: number;
}

const config = effectiveConfig(undefined, undefined);

function ruleFailures(where: string, result: AnalysisResult): string[] {
  return result.notes.filter((n) => / failed on this file/.test(n)).map((n) => `${where}: ${n}`);
}

function attempt(problems: string[], where: string, run: () => void): void {
  try {
    run();
  } catch (err) {
    problems.push(`${where} threw: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
}

/** As the server analyses an open document: per segment when it is long, whole otherwise. */
function analyseDocument(doc: PythonDocument, incremental: IncrementalAnalysis): AnalysisResult {
  return doc.segments.length > 1 ? incremental.analyze(doc, { config, configKey: 'fuzz' }) : analyzeTree(doc.trees, doc.sourceText, { config });
}

function checkPython(request: FuzzRequest, reply: FuzzReply): void {
  const { problems } = reply;
  // The parser guard counts alike whether it finds the lines itself (a fresh parse) or is given them (an edit).
  const found = indentWidthCount(request.text);
  const given = indentWidthCount(request.text, Number.POSITIVE_INFINITY, new SourceText(request.text).lineStartOffsets);
  if (found !== given) problems.push(`the parser guard counts ${found} indentation widths finding the lines, ${given} given them`);
  attempt(problems, 'analysis', () => {
    const result = analyzeText(request.text, { config });
    result.dispose();
    reply.findings = result.findings.length;
    problems.push(...ruleFailures('analysis', result));
  });
  attempt(problems, '--fix --unsafe-fixes', () => {
    const fixed = fixAllText(request.text, { config, unsafe: true });
    reply.fixed = fixed.applied.length;
    if (fixed.applied.length && !hasSyntaxError(request.text) && hasSyntaxError(fixed.text)) {
      problems.push(`--fix --unsafe-fixes made a file that parsed into one that does not (fixes ${fixed.applied.join(', ')})`);
    }
    const again = analyzeText(fixed.text, { config });
    again.dispose();
    problems.push(...ruleFailures('analysis of the fixed text', again));
  });
  // The server's path: the fixture open (kept in small segments), then edited into the input.
  attempt(problems, 'editor document', () => {
    const doc = new PythonDocument(request.original, { segmentLines: 10 });
    const incremental = new IncrementalAnalysis();
    try {
      problems.push(...ruleFailures('editor analysis of the fixture', analyseDocument(doc, incremental)));
      doc.setText(request.text);
      if (doc.text !== request.text) problems.push('the edited document does not hold the text it was given');
      problems.push(...ruleFailures('editor analysis after the edit', analyseDocument(doc, incremental)));
      // Then changes with stray ranges: the document must hold what VS Code's document model makes of them.
      const client = TextDocument.create('file:///fuzz.py', 'python', 1, doc.text);
      TextDocument.update(client, request.stray, 2);
      doc.update(request.stray);
      if (doc.text !== client.getText()) problems.push(`after the stray changes ${JSON.stringify(request.stray)} the document differs from the client's text`);
      problems.push(...ruleFailures('editor analysis after the stray changes', analyseDocument(doc, incremental)));
    } finally {
      doc.dispose();
    }
  });
}

function checkNotebook(request: FuzzRequest, reply: FuzzReply): void {
  const { problems } = reply;
  let nb: ReturnType<typeof parseIpynb>;
  try {
    nb = parseIpynb(request.text);
  } catch (err) {
    if (!(err instanceof NotebookFormatError)) problems.push(`reading the notebook threw: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return;
  }
  attempt(problems, 'notebook analysis', () => {
    const analysis = analyzeNotebook(nb.cells, { config });
    analysis.dispose();
    reply.findings = analysis.findings.length;
    problems.push(...ruleFailures('notebook analysis', analysis.result));
  });
  attempt(problems, 'notebook --fix --unsafe-fixes', () => {
    const fixed = fixNotebook(nb.cells, { config, unsafe: true });
    reply.fixed = fixed.applied.length;
    const out = rewriteIpynb(nb, new Map(fixed.cells.map((c, i) => [i, c.text] as const)));
    try {
      JSON.parse(out);
    } catch (err) {
      problems.push(`--fix wrote a notebook that is not JSON: ${(err as Error).message}`);
      return;
    }
    const reread = parseIpynb(out);
    if (reread.cells.length !== nb.cells.length) problems.push(`--fix changed the number of cells from ${nb.cells.length} to ${reread.cells.length}`);
    reread.cells.forEach((c, i) => {
      if (c.text !== fixed.cells[i].text) problems.push(`cell ${i + 1} reads back different from what --fix wrote`);
    });
  });
}

const port = parentPort;
if (port) {
  void loadPython().then(() => {
    port.on('message', (request: FuzzRequest) => {
      const reply: FuzzReply = { id: request.id, problems: [], findings: 0, fixed: 0 };
      if (request.kind === 'py') checkPython(request, reply);
      else checkNotebook(request, reply);
      port.postMessage(reply);
    });
    port.postMessage('ready');
  });
}
