/**
 * IAM policy evaluation, the subset API Gateway applies to the policy a Lambda authorizer returns: the
 * statements' `execute-api:Invoke` actions and resource ARNs (with `*` and `?` wildcards) against the method
 * ARN of the request; an explicit Deny wins over any Allow, no match is a deny.
 */
interface PolicyStatement {
  readonly Effect?: unknown;
  readonly Action?: unknown;
  readonly Resource?: unknown;
}

export type PolicyDecision = 'Allow' | 'Deny' | 'NoMatch';

/**
 * Evaluates `execute-api:Invoke` on `methodArn`: an explicit Deny wins over any Allow; no matching statement
 * is an implicit deny (`NoMatch`). `*` and `?` wildcards as in IAM; actions compare case-insensitively.
 */
export function evaluatePolicy(policyDocument: unknown, methodArn: string): PolicyDecision {
  const statements = (policyDocument as { Statement?: unknown } | null)?.Statement;
  const list = Array.isArray(statements) ? statements : statements ? [statements] : [];
  let allowed = false;
  for (const raw of list as PolicyStatement[]) {
    if (!raw || typeof raw !== 'object') continue;
    const effect = typeof raw.Effect === 'string' ? raw.Effect.toLowerCase() : '';
    if (effect !== 'allow' && effect !== 'deny') continue;
    if (!anyMatches(raw.Action, 'execute-api:invoke', true) || !anyMatches(raw.Resource, methodArn, false))
      continue;
    if (effect === 'deny') return 'Deny';
    allowed = true;
  }
  return allowed ? 'Allow' : 'NoMatch';
}

function anyMatches(patterns: unknown, value: string, ignoreCase: boolean): boolean {
  const list = Array.isArray(patterns) ? patterns : [patterns];
  for (const p of list) {
    if (typeof p === 'string' && wildcardMatch(ignoreCase ? p.toLowerCase() : p, value)) return true;
  }
  return false;
}

/** Glob match with `*` (any run, including `/` and `:`) and `?` (one character); linear-ish backtracking. */
export function wildcardMatch(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  let star = -1;
  let mark = 0;
  while (v < value.length) {
    const c = pattern.charCodeAt(p);
    if (p < pattern.length && (c === 63 /* ? */ || c === value.charCodeAt(v))) {
      p++;
      v++;
    } else if (p < pattern.length && c === 42 /* * */) {
      star = p++;
      mark = v;
    } else if (star !== -1) {
      p = star + 1;
      v = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern.charCodeAt(p) === 42) p++;
  return p === pattern.length;
}
