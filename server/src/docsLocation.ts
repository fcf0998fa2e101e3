// Where the rule pages shipped with Green ML are: docs/rules/ in the package (beside dist/ in the
// extension and the npm package, beside out/ in a development build). Diagnostics link to them as
// file URLs, so the links work offline and in any editor; VS Code's client turns them into the
// command that opens the rendered page.
import * as fs from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export function rulesDocsDir(from = __dirname): string {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'docs', 'rules');
    if (fs.existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return join(from, '..', 'docs', 'rules');
}

/** file:///…/docs/rules/ (with the trailing slash). */
export function rulesDocsBaseUrl(): string {
  return `${pathToFileURL(rulesDocsDir()).href}/`;
}
