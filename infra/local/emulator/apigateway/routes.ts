/** API Gateway's route selection for HTTP APIs: the most specific route that matches a request wins. */
import type { LocalHttpRoute } from './http-api.js';

/** The selected route and the path parameters its template captured (URL-decoded). */
export type RouteMatch = { route: LocalHttpRoute; pathParameters: Record<string, string> };

const segmentsOf = (path: string) => path.split('/').slice(1);

/** The parameters `template` captures from `path`, or undefined when it does not match. */
const capture = (template: string, path: string): Record<string, string> | undefined => {
  const wanted = segmentsOf(template);
  const given = segmentsOf(path);
  const parameters: Record<string, string> = {};
  for (const [i, segment] of wanted.entries()) {
    const greedy = /^\{(\w+)\+\}$/.exec(segment);
    if (greedy?.[1] && i === wanted.length - 1) {
      if (given.length <= i) return undefined;
      parameters[greedy[1]] = decodeURIComponent(given.slice(i).join('/'));
      return parameters;
    }
    const value = given[i];
    if (value === undefined) return undefined;
    const name = /^\{(\w+)\}$/.exec(segment)?.[1];
    if (name) {
      if (value === '') return undefined;
      parameters[name] = decodeURIComponent(value);
    } else if (segment !== value) return undefined;
  }
  return given.length === wanted.length ? parameters : undefined;
};

/** How specific a matching route is, lower first: no greedy variable, fewer variables, a method over ANY. */
const specificity = ({ route, pathParameters }: RouteMatch) => [
  route.path.includes('+}') ? 1 : 0,
  Object.keys(pathParameters).length,
  route.method === 'ANY' ? 1 : 0,
];

const compare = (a: number[], b: number[]) => a.reduce((order, value, i) => order || value - (b[i] ?? 0), 0);

/**
 * Selects the route for a request as API Gateway does: among the routes whose method (or ANY) and path
 * template match, the most specific; else the `$default` route; else none (API Gateway answers 404).
 */
export const matchRoute = (
  routes: readonly LocalHttpRoute[],
  method: string,
  path: string,
): RouteMatch | undefined => {
  const matches = routes.flatMap((route): RouteMatch[] => {
    if (route.routeKey === '$default' || (route.method !== 'ANY' && route.method !== method)) return [];
    const pathParameters = capture(route.path, path);
    return pathParameters ? [{ route, pathParameters }] : [];
  });
  const [best] = matches.sort((a, b) => compare(specificity(a), specificity(b)));
  if (best) return best;
  const fallback = routes.find((route) => route.routeKey === '$default');
  return fallback ? { route: fallback, pathParameters: {} } : undefined;
};
