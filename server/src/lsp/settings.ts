// Effective configuration per document: editor settings (workspace/configuration) over the nearest
// pyproject.toml's [tool.greenml], with both cached until settings or pyproject files change.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Connection } from 'vscode-languageserver';
import { loadProjectConfig, type ProjectConfig } from '../config/pyproject';
import { effectiveConfig, type EffectiveConfig, type GreenmlSettings } from '../config/settings';
import { checkEditorSettings } from '../config/validateSettings';
import { DEFAULT_MAX_FILE_SIZE, type EditorSettings } from '../common/protocol';
import type { Severity } from '../analysis/types';

export interface DocumentConfig {
  enabled: boolean;
  config: EffectiveConfig;
  project: ProjectConfig;
  relativePath?: string;
  timeBudgetMs: number;
  maxFileSize: number;
  /** What the configuration was made from: equal keys give equal configurations (IncrementalAnalysis). */
  configKey: string;
}

export function filePathOf(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

/**
 * Editor settings → the engine's settings. `null`, absent, an empty list or an empty map mean "not
 * set" so pyproject values apply. Bad values are dropped (see checkEditorSettings).
 */
export function fromEditorSettings(s: EditorSettings | undefined): GreenmlSettings {
  return engineSettings(checkEditorSettings(s).settings);
}

/** Checked editor settings → the engine's settings. */
function engineSettings(s: EditorSettings): GreenmlSettings {
  const out: GreenmlSettings = {};
  // The Settings UI edits lists and maps whose defaults are empty: empty means "not set" as well.
  if (s.select?.length) out.select = s.select;
  if (s.ignore?.length) out.ignore = s.ignore;
  if (s.extendSelect?.length) out.extendSelect = s.extendSelect;
  if (s.perFileIgnores && Object.keys(s.perFileIgnores).length > 0) out.perFileIgnores = s.perFileIgnores as Record<string, string[]>;
  if (typeof s.unsafeFixes === 'boolean') out.unsafeFixes = s.unsafeFixes;
  if (s.severity && Object.keys(s.severity).length > 0) {
    out.severity = {};
    for (const [code, sev] of Object.entries(s.severity)) out.severity[code.toUpperCase()] = sev as Severity;
  }
  if (s.targetDevice) out.targetDevice = s.targetDevice;
  if (s.preferDtype) out.preferDtype = s.preferDtype;
  if (s.analysisTimeBudgetMs) out.analysisTimeBudgetMs = s.analysisTimeBudgetMs;
  return out;
}

export class SettingsStore {
  private editorCache = new Map<string, Promise<EditorSettings | undefined>>();
  private projectCache = new Map<string, ProjectConfig>();
  supportsConfiguration = false;
  /** Settings from initializationOptions, for clients without workspace/configuration. */
  initialSettings: EditorSettings | undefined;
  workspaceRoots: string[] = [];

  /** Problems already reported since the settings last changed (each is said once). */
  private reported = new Set<string>();

  constructor(
    private readonly connection: Connection,
    /** Told about each bad setting value once (until settings change). */
    private readonly onProblem: (message: string) => void = () => undefined,
  ) {}

  clear(): void {
    this.editorCache.clear();
    this.projectCache.clear();
    this.reported.clear();
  }

  clearProjects(): void {
    this.projectCache.clear();
  }

  private editorSettings(uri: string): Promise<EditorSettings | undefined> {
    if (!this.supportsConfiguration) return Promise.resolve(this.initialSettings);
    let p = this.editorCache.get(uri);
    if (!p) {
      p = this.connection.workspace.getConfiguration({ scopeUri: uri, section: 'greenml' }).then(
        (v: unknown) => (v && typeof v === 'object' ? (v as EditorSettings) : undefined),
        () => undefined,
      );
      this.editorCache.set(uri, p);
    }
    return p;
  }

  /** Project configuration for a file's folder (cached per folder). */
  project(filePath: string | undefined): ProjectConfig {
    if (!filePath) return { problems: [] };
    const dir = path.dirname(filePath);
    let cached = this.projectCache.get(dir);
    if (!cached) {
      const root = this.workspaceRoots.find((r) => dir === r || dir.startsWith(r + path.sep));
      cached = loadProjectConfig(dir, root);
      this.projectCache.set(dir, cached);
    }
    return cached;
  }

  /** Every pyproject.toml read so far, with its problems. */
  projects(): ProjectConfig[] {
    const seen = new Map<string, ProjectConfig>();
    for (const p of this.projectCache.values()) if (p.file) seen.set(p.file, p);
    return [...seen.values()];
  }

  async forDocument(uri: string): Promise<DocumentConfig> {
    const checked = checkEditorSettings(await this.editorSettings(uri));
    for (const p of checked.problems) {
      if (this.reported.has(p)) continue;
      this.reported.add(p);
      this.onProblem(p);
    }
    const editor = checked.settings;
    const filePath = filePathOf(uri);
    const project = this.project(filePath);
    const root = project.root ?? this.workspaceRoots.find((r) => filePath?.startsWith(r + path.sep));
    const relativePath = filePath && root ? path.relative(root, filePath).split(path.sep).join('/') : filePath ? path.basename(filePath) : undefined;
    const fromEditor = engineSettings(editor);
    const config = effectiveConfig(project.settings, fromEditor);
    return {
      enabled: editor.enable !== false,
      config,
      project,
      relativePath,
      timeBudgetMs: config.timeBudgetMs,
      maxFileSize: editor.maxFileSize ?? DEFAULT_MAX_FILE_SIZE,
      configKey: JSON.stringify([project.settings, fromEditor, relativePath ?? null]),
    };
  }
}
