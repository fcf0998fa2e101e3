// Imported first by extension.ts, so this runs before the rest of the bundle is evaluated: the
// start of the extension's activation as its own code sees it (the log reports it).
export const LOAD_STARTED = performance.now();
