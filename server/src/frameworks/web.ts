// Web frameworks (Flask, FastAPI): the functions they run once per request, registered with a
// route decorator on an application or router object the file creates.
import type { Semantic } from '../analysis/model/model';
import type { Node } from '../analysis/parser';

/** Application and router classes, with the decorator methods that register a request handler on them. */
const FLASK_METHODS = ['route', 'get', 'post', 'put', 'delete', 'patch'];
const FASTAPI_METHODS = ['get', 'post', 'put', 'delete', 'patch', 'options', 'head', 'trace', 'api_route', 'websocket'];
const ROUTERS: ReadonlyMap<string, readonly string[]> = new Map([
  ['flask.Flask', FLASK_METHODS],
  ['flask.app.Flask', FLASK_METHODS],
  ['flask.Blueprint', FLASK_METHODS],
  ['flask.blueprints.Blueprint', FLASK_METHODS],
  ['fastapi.FastAPI', FASTAPI_METHODS],
  ['fastapi.applications.FastAPI', FASTAPI_METHODS],
  ['fastapi.APIRouter', FASTAPI_METHODS],
  ['fastapi.routing.APIRouter', FASTAPI_METHODS],
]);

/**
 * The framework that calls a function once per request, when a decorator of it registers it as a
 * route: `@app.route("/p")`, `@app.post("/p")`, `@router.get("/p")` on a `Flask`, `Blueprint`,
 * `FastAPI` or `APIRouter` object built in this file. Undefined for any other function.
 */
export function routeFramework(model: Semantic, fn: Node): 'Flask' | 'FastAPI' | undefined {
  for (const decorator of model.decoratorsOf(fn)) {
    if (decorator.type !== 'call') continue;
    const site = model.callSite(decorator);
    if (!site.receiver) continue;
    const owner = model.originCall(site.receiver)?.qualifiedName;
    const methods = owner ? ROUTERS.get(owner) : undefined;
    if (methods?.includes(site.methodName)) return owner!.startsWith('flask.') ? 'Flask' : 'FastAPI';
  }
  return undefined;
}
