/**
 * API Gateway's request routing for a REST API: the template's resources compiled once, then method + path
 * matched as API Gateway matches them (`{param}` segments, greedy `{name+}` as the last segment, `ANY`;
 * literals beat parameters, parameters beat greedy segments).
 */
import type { LocalRoute } from '../topology';

type Segment =
  | { readonly kind: 0; readonly value: string } // literal
  | { readonly kind: 1; readonly name: string } // {param}
  | { readonly kind: 2; readonly name: string }; // {param+}, last segment only

export interface Resource {
  readonly template: string;
  readonly segments: readonly Segment[];
  /** Upper-case method (or ANY) -> route. */
  readonly methods: Map<string, LocalRoute>;
  /** Stable id, the `resourceId` of the request context. */
  readonly resourceId: string;
}

export interface RouteMatch {
  readonly resource: Resource;
  /** Undefined when the path matched but no method did. */
  readonly route: LocalRoute | undefined;
  readonly pathParameters: Record<string, string> | null;
}

/** Compiles and orders the routes: literal segments first, then parameters, then greedy parameters. */
export function compileRoutes(routes: readonly LocalRoute[]): Resource[] {
  const byTemplate = new Map<string, Resource>();
  for (const route of routes) {
    const template = normalizeTemplate(route.path);
    let resource = byTemplate.get(template);
    if (!resource) {
      resource = {
        template,
        segments: parseTemplate(template),
        methods: new Map(),
        resourceId: resourceIdFor(template),
      };
      byTemplate.set(template, resource);
    }
    const method = route.method.toUpperCase();
    if (resource.methods.has(method)) throw new Error(`duplicate route ${method} ${template}`);
    resource.methods.set(method, route);
  }
  return [...byTemplate.values()].sort(compareResources);
}

/** Finds the resource and method for a request path (without query string), as API Gateway would. */
export function matchRoute(
  resources: readonly Resource[],
  method: string,
  path: string,
): RouteMatch | undefined {
  const parts = splitPath(path);
  for (const resource of resources) {
    const params = matchSegments(resource.segments, parts);
    if (params === undefined) continue;
    const route = resource.methods.get(method) ?? resource.methods.get('ANY');
    return { resource, route, pathParameters: params };
  }
  return undefined;
}

function normalizeTemplate(path: string): string {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

function parseTemplate(template: string): Segment[] {
  const parts = template === '/' ? [] : template.slice(1).split('/');
  return parts.map((part, i) => {
    const param = /^\{([A-Za-z0-9_.-]+)(\+?)\}$/.exec(part);
    if (!param) {
      if (part.includes('{') || part.includes('}') || part === '') {
        throw new Error(`invalid path template "${template}": bad segment "${part}"`);
      }
      return { kind: 0, value: part };
    }
    if (param[2] === '+') {
      if (i !== parts.length - 1)
        throw new Error(`invalid path template "${template}": {${param[1]}+} must be last`);
      return { kind: 2, name: param[1] };
    }
    return { kind: 1, name: param[1] };
  });
}

function compareResources(a: Resource, b: Resource): number {
  const n = Math.min(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    const sa = a.segments[i];
    const sb = b.segments[i];
    if (sa.kind !== sb.kind) return sa.kind - sb.kind;
  }
  if (a.segments.length !== b.segments.length) return b.segments.length - a.segments.length;
  return a.template < b.template ? -1 : a.template > b.template ? 1 : 0;
}

function resourceIdFor(template: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < template.length; i++) h = Math.imul(h ^ template.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36).padStart(6, '0').slice(0, 6);
}

/** Path segments, percent-decoded, ignoring one trailing slash. */
function splitPath(path: string): string[] {
  if (path === '/' || path === '') return [];
  const end = path.endsWith('/') ? path.length - 1 : path.length;
  return path.slice(1, end).split('/').map(safeDecode);
}

function matchSegments(
  segments: readonly Segment[],
  parts: readonly string[],
): Record<string, string> | null | undefined {
  let params: Record<string, string> | null = null;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (segment.kind === 2) {
      if (i >= parts.length) return undefined;
      params ??= {};
      params[segment.name] = parts.slice(i).join('/');
      return params;
    }
    if (i >= parts.length) return undefined;
    const part = parts[i];
    if (segment.kind === 0) {
      if (segment.value !== part) return undefined;
    } else {
      if (part === '') return undefined;
      params ??= {};
      params[segment.name] = part;
    }
  }
  return parts.length === segments.length ? params : undefined;
}

export function safeDecode(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
