// Which running processes are Python runs of the user's, worth tracking quietly: a Python
// interpreter whose working directory is inside the workspace, at the top of its Python tree, not
// already tracked by `greenml run`, and not a tool (language servers, debug adapters, package
// managers, linters and formatters, Jupyter kernels and their helpers, the Python extension's own
// helper scripts). Those are what an editor starts by itself; recording them as "runs" is noise.
import { basename } from 'node:path';
import type { ProcSource } from './procfs';

export const PYTHON_EXE = /(^|\/)(python[\d.]*|ipython[\d.]*|pythonw?)$/;

/** `-m MODULE` values and script names (basenames) that are tools, not training runs. */
const TOOL_MODULES = new Set([
  'pip', 'ensurepip', 'venv', 'virtualenv', 'pipx', 'poetry', 'uv', 'conda', 'pdm', 'hatch',
  'debugpy', 'pydevd', 'ptvsd',
  'pylsp', 'jedi_language_server', 'pyls', 'ruff_lsp', 'pyright', 'basedpyright', 'mypy', 'dmypy', 'pylint', 'flake8', 'black', 'isort', 'ruff', 'autopep8', 'yapf', 'pycodestyle', 'pydocstyle', 'bandit',
  'ipykernel', 'ipykernel_launcher', 'jupyter', 'jupyterlab', 'jupyter_server', 'notebook', 'nbconvert', 'jupyter_client',
  'pre_commit', 'pre-commit', 'tox', 'nox',
]);

/** Argument fragments that only editor tooling uses. */
const TOOL_PATHS = [
  /\/debugpy\/(adapter|launcher)\b/,
  /\/python_?[Ff]iles\//, // VS Code Python extension helpers (python_files/, pythonFiles/)
  /\/bundled\/tool\/lsp_server\.py$/, // Microsoft's Python tool extensions (black, isort, pylint, flake8, mypy)
  /vscode_datascience_helpers/,
  /\/ms-toolsai\.jupyter/,
  /\/ms-python\./,
  /jedi[-_]language[-_]server/,
  /\/site-packages\/(pip|setuptools|wheel)\//,
];

/** Why a Python command line is tooling (for the log), or undefined when it may be a run. */
export function toolingReason(cmd: string[]): string | undefined {
  if (cmd.length === 0) return 'empty command line';
  for (let i = 1; i < cmd.length; i++) {
    const a = cmd[i];
    if (a === '-m' && cmd[i + 1]) {
      const mod = cmd[i + 1].split('.')[0];
      return TOOL_MODULES.has(mod) ? `python -m ${cmd[i + 1]}` : undefined;
    }
    if (a.startsWith('-m') && a.length > 2) {
      const mod = a.slice(2).split('.')[0];
      return TOOL_MODULES.has(mod) ? `python -m ${a.slice(2)}` : undefined;
    }
    if (a === '-c') return undefined; // a one-liner: judged by its length, like any run
    if (a.startsWith('-')) continue;
    // The script: a tool's entry point (…/bin/pip, …/bin/jupyter-lab) or a helper path.
    const name = basename(a).replace(/\.py$/, '').replace(/-script$/, '');
    if (TOOL_MODULES.has(name) || TOOL_MODULES.has(name.replace(/-/g, '_')) || /^(pip\d[\d.]*|jupyter-.*)$/.test(name)) return `tool ${name}`;
    if (TOOL_PATHS.some((re) => re.test(a))) return `helper ${a}`;
    return undefined;
  }
  return cmd.some((a) => TOOL_PATHS.some((re) => re.test(a))) ? 'editor helper' : undefined;
}

/** The script a Python command line runs (its first .py/.ipynb argument), else its first words. */
export function scriptOfCommand(cmd: string[]): string {
  return cmd.find((a) => /\.(py|ipynb)$/.test(a)) ?? cmd.slice(0, 3).join(' ');
}

export interface DiscoveryScan {
  /** New candidate pids (tops of Python trees in the workspace, no tools). */
  fresh: number[];
  /** pid → why it was left out, for pids seen for the first time (logged once). */
  skipped: Map<number, string>;
}

/**
 * Python processes worth tracking that are not yet known. `known(pid)` says a pid is tracked or was
 * already judged; `underTracked(pid, table)` says an ancestor is tracked by `greenml run`.
 */
export function scanForRuns(
  proc: ProcSource,
  inWorkspace: (dir: string) => boolean,
  known: (pid: number) => boolean,
  underTracked: (pid: number, table: Map<number, { ppid: number }>) => boolean,
): DiscoveryScan {
  const table = proc.listAll();
  const fresh: number[] = [];
  const skipped = new Map<number, string>();
  for (const pid of table.keys()) {
    if (pid === process.pid || known(pid)) continue;
    const cmd = proc.cmdline(pid);
    if (!cmd || cmd.length === 0 || !PYTHON_EXE.test(cmd[0])) continue;
    const cwd = proc.cwd(pid);
    if (!cwd || !inWorkspace(cwd)) continue;
    if (underTracked(pid, table)) {
      skipped.set(pid, 'tracked by greenml run');
      continue;
    }
    const tool = toolingReason(cmd);
    if (tool) {
      skipped.set(pid, tool);
      continue;
    }
    // Only the top of a Python tree: its Python children belong to its run.
    const ppid = table.get(pid)?.ppid ?? 0;
    const parentCmd = proc.cmdline(ppid);
    if (parentCmd && PYTHON_EXE.test(parentCmd[0] ?? '') && inWorkspace(proc.cwd(ppid) ?? '')) {
      skipped.set(pid, `child of Python process ${ppid}`);
      continue;
    }
    fresh.push(pid);
  }
  return { fresh, skipped };
}
