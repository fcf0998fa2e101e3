// Ray Tune and tune-sklearn: the grid searches they run, what sets their number of trials, and the
// schedulers that end poor trials early.

/** tune-sklearn's drop-in for GridSearchCV (same arguments, cv=5 by default; Ray runs the fits). */
export const TUNE_GRID_SEARCH = ['tune_sklearn.TuneGridSearchCV', 'tune_sklearn.tune_gridsearch.TuneGridSearchCV'];
export const TUNE_SKLEARN = 'tune_sklearn';

/** `tune.grid_search([...])`: every value becomes its own trial (and multiplies the other grids' trials). */
export const RAY_GRID_SEARCH = ['ray.tune.grid_search', 'ray.tune.search.variant_generator.grid_search', 'ray.tune.search.grid_search'];

/** Entry points that run trials: legacy `tune.run(trainable, config=…)` and `tune.Tuner(trainable, param_space=…)`. */
export const RAY_TUNE_RUN = ['ray.tune.run', 'ray.tune.tune.run'];
export const RAY_TUNER = ['ray.tune.Tuner', 'ray.tune.tuner.Tuner'];
export const RAY_TUNE_CONFIG = ['ray.tune.TuneConfig', 'ray.tune.tune_config.TuneConfig'];

/** The default scheduler runs every trial to the end: it stops nothing early. */
export const RAY_FIFO_SCHEDULER = ['ray.tune.schedulers.FIFOScheduler', 'ray.tune.schedulers.trial_scheduler.FIFOScheduler'];
