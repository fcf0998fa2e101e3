// The parts a semantic model is made of, as each part sees the others.
import type { Node } from '../parser';
import type { Calls } from './calls';
import type { Evaluator } from './evaluate';
import type { Imports } from './imports';
import type { Lookup } from './lookup';
import type { ModuleText } from './module';
import type { Navigation } from './navigation';
import type { Recorder } from './recorder';
import type { Scopes } from './scopes';
import type { UnitSites } from './sites';
import type { Spellings } from './spellings';

export interface ModelParts {
  readonly module: ModuleText;
  readonly recorder: Recorder;
  readonly nav: Navigation;
  readonly spellings: Spellings;
  readonly imports: Imports;
  readonly scopes: Scopes;
  readonly names: Lookup;
  readonly calls: Calls;
  readonly values: Evaluator;
  readonly sites: UnitSites;
  /** Records that what was read lies in this node's top-level statement (its scopes, its statements). */
  readStatementOf(node: Node): void;
}
