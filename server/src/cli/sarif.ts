// SARIF 2.1.0 output, as code-scanning services (e.g. GitHub) ingest it.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { RULES } from '../rules/registry';
import { ENGINE_CODES } from '../rules/engineCodes';
import { ruleDocsUrl } from '../rules/rule';
import type { Severity } from '../analysis/types';
import type { FileReport } from './check';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', information: 'note', hint: 'note' };

export function toSarif(reports: FileReport[], errors: Array<{ file: string; message: string }>): object {
  const rules = [
    ...RULES.map((r) => ({ id: r.code, name: r.name, summary: r.summary, level: LEVEL[r.defaultSeverity] })),
    ...ENGINE_CODES.map((c) => ({ id: c.code, name: c.name, summary: c.summary, level: LEVEL[c.defaultSeverity] })),
  ];
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const uri = (file: string) => (path.isAbsolute(file) ? pathToFileURL(file).toString() : file.split(path.sep).join('/'));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'greenml',
            version: '0.1.0',
            rules: rules.map((r) => ({
              id: r.id,
              name: r.name,
              shortDescription: { text: r.summary },
              helpUri: ruleDocsUrl(r.id),
              defaultConfiguration: { level: r.level },
            })),
          },
        },
        results: reports.flatMap((r) =>
          r.findings.map((f, i) => ({
            ruleId: f.code,
            ruleIndex: index.get(f.code),
            level: LEVEL[f.severity],
            // Notebooks: the region is within the cell named in the message and in properties.cell.
            message: { text: r.cells ? `cell ${r.cells[i]}: ${f.message}` : f.message },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: uri(r.file) },
                  region: { startLine: f.range.start.line + 1, startColumn: f.range.start.character + 1, endLine: f.range.end.line + 1, endColumn: f.range.end.character + 1 },
                },
              },
            ],
            ...(f.fixes.length || r.cells
              ? { properties: { ...(r.cells ? { cell: r.cells[i] } : {}), ...(f.fixes.length ? { fixes: f.fixes.map((x) => ({ title: x.title, safety: x.safety })) } : {}) } }
              : {}),
          })),
        ),
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: errors.map((e) => ({
              level: 'warning',
              message: { text: e.message },
              locations: [{ physicalLocation: { artifactLocation: { uri: uri(e.file) } } }],
            })),
          },
        ],
      },
    ],
  };
}
