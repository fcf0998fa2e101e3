import type { CallSite } from '../analysis/model/calls';
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';
import { isStudyOptimize } from '../frameworks/optuna';
import { CSV_READERS, READER_PATH, sameFileEachTime, visibleSize } from '../frameworks/tabular';
import { trainsAnywhere, trainsWithin } from '../frameworks/training';
import { defineRule, fact } from './rule';

/** Where a read runs again and again: the loop it is in, or the function it is in and what calls that function repeatedly. */
type Repetition = { kind: 'loop'; loop: Node } | { kind: 'function'; fn: Node; how: string };

/** How the function around a read is run repeatedly: called in a loop (of this file), or given to an Optuna study's `optimize` (once per trial). */
function repeatedCalls(model: Semantic, fn: Node): string | undefined {
  const name = fn.childForFieldName('name')?.text;
  if (!name) return undefined;
  for (const caller of model.callersOf(fn)) {
    const loop = model.enclosingLoops(caller.node)[0];
    if (loop) return `on every iteration of the loop at line ${loop.startPosition.row + 1} that calls ${name}()`;
    // `study.optimize(lambda trial: objective(trial, X, y), n_trials=…)`
    const lambda = [...model.ancestors(caller.node)].find((a) => a.type === 'lambda');
    if (lambda && optimizeTaking(model, lambda)) return `in every Optuna trial (${name}() is the objective)`;
  }
  for (const id of model.identifiers(name)) {
    if (model.lookup(name, id).some((b) => b.node.id === fn.id) && optimizeTaking(model, id)) return `in every Optuna trial (${name}() is the objective)`;
  }
  return undefined;
}

/** Whether an expression is the objective given to `study.optimize(…)`. */
function optimizeTaking(model: Semantic, expr: Node): boolean {
  const list = model.parentOf(expr);
  const call = list?.type === 'argument_list' ? model.parentOf(list) : undefined;
  if (call?.type !== 'call') return false;
  const site = model.callSite(call);
  return isStudyOptimize(model, site) && site.argument('func', 0)?.id === expr.id;
}

/** Whether a read parses the same file again each time its loop, or its function, runs, where that loop or function trains. */
function repetition(model: Semantic, read: CallSite, path: Node): Repetition | undefined {
  const loop = model.enclosingLoops(read.node)[0];
  if (loop) return sameFileEachTime(model, path, loop) && trainsWithin(model, loop) ? { kind: 'loop', loop } : undefined;
  const fn = model.enclosingFunction(read.node);
  const body = fn?.childForFieldName('body');
  if (!fn || !body || !sameFileEachTime(model, path, fn) || !trainsWithin(model, body)) return undefined;
  const how = repeatedCalls(model, fn);
  return how ? { kind: 'function', fn, how } : undefined;
}

const PARQUET_ADVICE =
  'Read it once, or convert it once to a columnar binary format (Parquet with `df.to_parquet`, Feather) that loads without parsing text: ' +
  'on our 1,000,000-row table a Feather read took a fifth of the CPU time of the CSV read (0.3 s against 1.5 s).';

/**
 * ## What it flags
 *
 * A pandas `read_csv` / `read_table` of training data that is parsed again and again, or whose
 * size shows that parsing it costs real time on every run:
 *
 * - **Re-read in a loop** (information): the read is in the body of a loop that trains (a
 *   training step, a `fit` / `partial_fit`, `xgb.train` / `lgb.train`), and it names the same file
 *   on every iteration — a literal path, or one built only from names set outside the loop
 *   (`DATA_PATH`, `args.train_csv`, `os.path.join(DATA_DIR, "train.csv")`).
 * - **Re-read on every call** (information): the read is in a function that trains, names the
 *   same file whatever its arguments, and the function is called in a loop or is the objective of
 *   an Optuna study (`study.optimize(objective, n_trials=…)`: once per trial).
 * - **Large, on every run** (hint): a literal `nrows` of at least 1,000,000, or a literal
 *   `chunksize` (a file read in pieces because it is too big to load at once), in a script that
 *   trains.
 *
 * It stays quiet when the path changes from one iteration or call to the next (a loop variable,
 * a parameter, a path read from something the loop changes), when the loop or function trains
 * nothing, and on a CSV read once whose size the code does not show: the `.csv` extension alone
 * says nothing about size, and most CSVs in tutorials are small.
 *
 * ## Why
 *
 * CSV is text: every read splits every line, converts every field from characters to a number,
 * and infers every column's type, and it reads every column even when `usecols` keeps a few. A
 * columnar binary format (Parquet, Feather/Arrow) stores the numbers as they are in memory, by
 * column: loading is mostly copying, and a subset of columns reads only those columns. Reading the
 * same CSV again on every epoch, fold or trial repeats the whole parse each time; reading a
 * multi-million-row CSV at the start of every training run repeats it on every run. The pandas
 * user guide's I/O comparison lists Parquet and Feather among the fastest formats to read and CSV
 * among the slowest. How much it costs depends on the file's size, so the findings are
 * information (a repeated read) and a hint (a large one).
 *
 * ## Example
 *
 * ```python
 * import optuna
 * import pandas as pd
 * from sklearn.ensemble import RandomForestClassifier
 * from sklearn.model_selection import cross_val_score
 *
 * def objective(trial):
 *     df = pd.read_csv("train.csv")
 *     X, y = df.drop(columns="target"), df["target"]
 *     clf = RandomForestClassifier(n_estimators=trial.suggest_int("n_estimators", 50, 500))
 *     return cross_val_score(clf.fit(X, y), X, y, cv=3).mean()
 *
 * study = optuna.create_study(direction="maximize")
 * study.optimize(objective, n_trials=100)
 * ```
 *
 * ## Fixed example
 *
 * ```python
 * import optuna
 * import pandas as pd
 * from sklearn.ensemble import RandomForestClassifier
 * from sklearn.model_selection import cross_val_score
 *
 * # Once: pd.read_csv("train.csv").to_parquet("train.parquet")
 * df = pd.read_parquet("train.parquet")
 * X, y = df.drop(columns="target"), df["target"]
 *
 * def objective(trial):
 *     clf = RandomForestClassifier(n_estimators=trial.suggest_int("n_estimators", 50, 500))
 *     return cross_val_score(clf.fit(X, y), X, y, cv=3).mean()
 *
 * study = optuna.create_study(direction="maximize")
 * study.optimize(objective, n_trials=100)
 * ```
 *
 * ## Fix safety
 *
 * No automatic fix: converting the data is a step outside the script (the file may be shared,
 * written by another tool, or too large to convert in the editor), and reading it once instead of
 * per iteration moves code across a loop or function boundary. Parquet and Feather need `pyarrow`
 * (or `fastparquet` for Parquet) beside pandas; dtypes inferred from the CSV are kept in the
 * binary file, so check that they are the ones you want before converting.
 *
 * ## Measured here
 *
 * `bench/evidence/GML304`: a generated table of 1,000,000 rows × 12 columns (10 float features, an
 * integer category, the target; a 106 MB CSV), read 10 times as 10 trials would, each followed by
 * a `LinearRegression` fit. `before.py` parses the CSV in every trial; `after.py` converts it once to
 * Feather and loads the Feather file in every trial. Five runs of each with `greenml run`, one
 * thread per library, median (min–max):
 *
 * | | before (CSV every trial) | after (Feather) |
 * |---|---|---|
 * | CPU time of one read (the scripts' own count) | 1.55 s (1.46–1.68) | 0.30 s (0.18–0.40), after a one-off conversion of 1.8 s (1.4–2.1) |
 * | CPU time of all reads | 15.5 s (14.6–16.9) | 4.9 s with the conversion |
 * | energy of the whole script (estimated) | 145.7 J (131.5–180.7) | 105.8 J (69.8–115.4): ×0.73 |
 * | wall time | 208.7 s (81.7–319.1) | 180.2 s (54.2–215.4) |
 *
 * The whole-script figures include what both scripts do alike (generating the table, writing the
 * CSV, the fits), so they understate the reads' share; the more trials, the larger it gets.
 * Parquet could not be measured here: pandas reads it with `pyarrow` or `fastparquet`, and neither is
 * packaged for Debian 12, the system these measurements use. The Feather file was written with
 * Debian's `python3-feather-format` (the Feather format of Apache Arrow, read and written without
 * pyarrow); pandas' own `to_feather` / `read_feather` also need pyarrow. Machine: AMD EPYC, 2 cores
 * shared with other work (load average 11–15: wall times are unreliable, energy follows CPU time),
 * no RAPL: energy is estimated (TDP × CPU time, resident memory × 0.375 W/GB). Command:
 * `npm run build && node bench/evidence/measure.mjs --runs 5 --json bench/evidence/GML304/result.json
 * bench/evidence/GML304/before.py bench/evidence/GML304/after.py`.
 *
 * ## References
 *
 * - pandas, *IO tools — Performance considerations*: https://pandas.pydata.org/docs/user_guide/io.html#io-perf
 * - pandas, *Scaling to large datasets — Use efficient datatypes / Load less data*: https://pandas.pydata.org/docs/user_guide/scale.html
 * - Apache Parquet, *File format*: https://parquet.apache.org/docs/file-format/
 * - Apache Arrow, *Feather file format*: https://arrow.apache.org/docs/python/feather.html
 */
export const csvTrainingData = defineRule({
  code: 'GML304',
  name: 'csv-training-data',
  summary: 'Training data is parsed from CSV again and again (in a loop, per trial) or, for a large table, on every run; a columnar binary format loads without parsing.',
  defaultSeverity: 'hint',
  frameworks: ['pandas'],
  fixSafety: 'none',
  facts: {
    trains: fact.any(({ model, sites }) => trainsAnywhere(model, sites)),
  },
  check({ model, sites, facts, report }) {
    for (const read of sites.callsTo(CSV_READERS)) {
      const path = read.argument(READER_PATH, 0);
      if (!path) continue;
      const reader = `${read.callee.text}()`;
      const repeated = repetition(model, read, path);
      if (repeated) {
        const where =
          repeated.kind === 'loop' ? `on every iteration of the training loop at line ${repeated.loop.startPosition.row + 1}` : repeated.how;
        report({
          node: read.callee,
          severity: 'information',
          message: `${reader} parses the same CSV file again ${where}: every field is converted from text each time. ${PARQUET_ADVICE}`,
        });
        continue;
      }
      const size = visibleSize(read);
      if (!size || !facts.trains) continue;
      const what =
        'nrows' in size
          ? `${size.nrows.toLocaleString('en-US')} rows of CSV text`
          : `a CSV file large enough to be read in chunks (chunksize=${size.chunksize.toLocaleString('en-US')})`;
      report({
        node: read.callee,
        message: `${reader} parses ${what} on every run of this training script. ${PARQUET_ADVICE}`,
      });
    }
  },
});
