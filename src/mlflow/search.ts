/**
 * The common subset of MLflow's search syntax, for runs, experiments, registered models and
 * model versions: `filter` is comparisons joined by AND (`metrics.loss < 0.5 and
 * params.lr = '0.1' and tags."my tag" LIKE 'a%' and attributes.status IN ('FINISHED')`);
 * `order_by` is a list of `<identifier> [ASC|DESC]`; page tokens are opaque offsets.
 * @module
 */
import { invalid } from "./errors.ts";

/** metric / param / tag / attribute, and the key within it. */
export interface Identifier {
  readonly type: "metric" | "param" | "tag" | "attribute";
  readonly key: string;
}

type Comparator = "=" | "!=" | "<" | "<=" | ">" | ">=" | "LIKE" | "ILIKE" | "IN" | "NOT IN";

export interface Comparison {
  readonly ident: Identifier;
  readonly op: Comparator;
  readonly value: string | number | readonly string[];
}

/** What an entity holds under an identifier (undefined: absent, so no comparison matches). */
export type Resolver<T> = (entity: T, ident: Identifier) => string | number | undefined;

const TYPE_ALIASES: Readonly<Record<string, Identifier["type"]>> = {
  metric: "metric",
  metrics: "metric",
  param: "param",
  params: "param",
  parameter: "param",
  parameters: "param",
  tag: "tag",
  tags: "tag",
  attribute: "attribute",
  attributes: "attribute",
  attr: "attribute",
  run: "attribute",
};

const TOKEN =
  /\s*(?:(?<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|(?<bt>`[^`]*`)|(?<num>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)(?![\w.])|(?<op>!=|<=|>=|=|<|>)|(?<punct>[(),])|(?<word>[A-Za-z_][\w.]*))/y;

interface Token {
  readonly kind: "str" | "num" | "op" | "punct" | "word" | "bt";
  readonly text: string;
}

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(text);
    if (!m || !m.groups) {
      throw invalid(`Invalid filter '${text}': cannot parse at '${text.slice(at)}'`);
    }
    const [kind, value] = Object.entries(m.groups).find(([, v]) => v !== undefined)!;
    out.push({ kind: kind as Token["kind"], text: value });
    at = TOKEN.lastIndex;
  }
  return out;
}

function unquote(text: string): string {
  return text.slice(1, -1).replace(/\\(.)/g, "$1");
}

/**
 * `type.key`, `type."quoted key"`, `type.\`key\`` or a bare attribute name; words may span
 * several tokens when the key is quoted.
 */
function readIdentifier(tokens: Token[], at: number, text: string): [Identifier, number] {
  const t = tokens[at];
  if (!t || t.kind !== "word") throw invalid(`Invalid filter '${text}': expected an identifier`);
  const dot = t.text.indexOf(".");
  if (dot === -1 || t.text.endsWith(".")) {
    const head = dot === -1 ? t.text : t.text.slice(0, -1);
    const next = tokens[at + 1];
    if (dot !== -1 && next && (next.kind === "str" || next.kind === "bt")) {
      return [identifier(head, unquote(next.text), text), at + 2];
    }
    return [{ type: "attribute", key: head }, at + 1];
  }
  return [identifier(t.text.slice(0, dot), t.text.slice(dot + 1), text), at + 1];
}

function identifier(type: string, key: string, text: string): Identifier {
  const kind = TYPE_ALIASES[type.toLowerCase()];
  if (!kind) {
    throw invalid(
      `Invalid filter '${text}': invalid entity type '${type}'. Valid values are ['metric', 'parameter', 'tag', 'attribute']`,
    );
  }
  return { type: kind, key };
}

/** Parses a filter string; an empty one matches everything. */
export function parseFilter(text: string | undefined): Comparison[] {
  if (!text || text.trim() === "") return [];
  const tokens = tokenize(text);
  const out: Comparison[] = [];
  let at = 0;
  while (at < tokens.length) {
    const [ident, next] = readIdentifier(tokens, at, text);
    at = next;
    let op: Comparator;
    const t = tokens[at];
    if (t?.kind === "op") op = t.text as Comparator;
    else if (t?.kind === "word" && /^(i?like|in)$/i.test(t.text)) {
      op = t.text.toUpperCase() as Comparator;
    } else if (
      t?.kind === "word" && /^not$/i.test(t.text) && /^in$/i.test(tokens[at + 1]?.text ?? "")
    ) {
      op = "NOT IN";
      at++;
    } else throw invalid(`Invalid filter '${text}': expected a comparator after '${ident.key}'`);
    at++;
    let value: Comparison["value"];
    if (op === "IN" || op === "NOT IN") {
      if (tokens[at]?.text !== "(") throw invalid(`Invalid filter '${text}': IN needs a list`);
      const items: string[] = [];
      at++;
      while (tokens[at] && tokens[at].text !== ")") {
        if (tokens[at].kind !== "str") {
          throw invalid(`Invalid filter '${text}': IN lists hold quoted strings`);
        }
        items.push(unquote(tokens[at].text));
        at++;
        if (tokens[at]?.text === ",") at++;
      }
      if (tokens[at]?.text !== ")") throw invalid(`Invalid filter '${text}': unclosed IN list`);
      at++;
      value = items;
    } else {
      const v = tokens[at];
      if (v?.kind === "str") value = unquote(v.text);
      else if (v?.kind === "num") value = Number(v.text);
      else throw invalid(`Invalid filter '${text}': expected a value after '${op}'`);
      at++;
    }
    checkComparison({ ident, op, value }, text);
    out.push({ ident, op, value });
    if (at < tokens.length) {
      if (!/^and$/i.test(tokens[at].text)) {
        throw invalid(`Invalid filter '${text}': comparisons are joined by AND only`);
      }
      at++;
    }
  }
  return out;
}

function checkComparison(c: Comparison, text: string): void {
  if (c.ident.type === "metric" && typeof c.value !== "number") {
    throw invalid(`Invalid filter '${text}': expected a numeric value for metric '${c.ident.key}'`);
  }
  if ((c.ident.type === "param" || c.ident.type === "tag") && typeof c.value === "number") {
    throw invalid(
      `Invalid filter '${text}': expected a quoted string value for ${c.ident.type} '${c.ident.key}'`,
    );
  }
  if (c.ident.type === "metric" && /LIKE|IN/.test(c.op)) {
    throw invalid(`Invalid filter '${text}': '${c.op}' does not apply to metrics`);
  }
}

/**
 * SQL LIKE (`%` any run, `_` one character) without regular expressions: the fixed-length parts
 * between `%`s are matched leftmost in order, which is exact for such patterns and linear-ish in
 * the text, so a hostile pattern cannot stall the server with backtracking.
 */
export function like(text: string, pattern: string, caseless: boolean): boolean {
  const t = caseless ? text.toLowerCase() : text;
  const parts = (caseless ? pattern.toLowerCase() : pattern).split("%");
  const fits = (part: string, at: number) => {
    if (at + part.length > t.length) return false;
    for (let k = 0; k < part.length; k++) {
      if (part[k] !== "_" && part[k] !== t[at + k]) return false;
    }
    return true;
  };
  if (parts.length === 1) return t.length === parts[0].length && fits(parts[0], 0);
  const first = parts[0];
  const last = parts[parts.length - 1];
  if (!fits(first, 0) || t.length - last.length < first.length) return false;
  if (!fits(last, t.length - last.length)) return false;
  let at = first.length;
  const end = t.length - last.length;
  for (const part of parts.slice(1, -1)) {
    while (at + part.length <= end && !fits(part, at)) at++;
    if (at + part.length > end) return false;
    at += part.length;
  }
  return true;
}

function compare(actual: string | number, c: Comparison): boolean {
  const { op, value } = c;
  if (op === "IN") return (value as string[]).includes(String(actual));
  if (op === "NOT IN") return !(value as string[]).includes(String(actual));
  if (op === "LIKE" || op === "ILIKE") {
    return like(String(actual), String(value), op === "ILIKE");
  }
  const a = typeof value === "number" ? Number(actual) : String(actual);
  const b = value as string | number;
  switch (op) {
    case "=":
      return a === b;
    case "!=":
      return a !== b;
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    default:
      return a >= b;
  }
}

export function matches<T>(entity: T, filter: readonly Comparison[], resolve: Resolver<T>) {
  return filter.every((c) => {
    const actual = resolve(entity, c.ident);
    return actual !== undefined && compare(actual, c);
  });
}

export interface OrderClause {
  readonly ident: Identifier;
  readonly ascending: boolean;
}

export function parseOrderBy(clauses: readonly string[]): OrderClause[] {
  return clauses.map((clause) => {
    const m = /^\s*(.+?)\s*(?:\s(ASC|DESC))?\s*$/i.exec(clause);
    if (!m) throw invalid(`Invalid order_by clause '${clause}'`);
    const tokens = tokenize(m[1]);
    const [ident, used] = readIdentifier(tokens, 0, clause);
    if (used !== tokens.length) throw invalid(`Invalid order_by clause '${clause}'`);
    return { ident, ascending: (m[2] ?? "ASC").toUpperCase() === "ASC" };
  });
}

/** Sorts by the clauses; entities missing a value come last either way, as in MLflow. */
export function sortBy<T>(items: T[], order: readonly OrderClause[], resolve: Resolver<T>): T[] {
  return items.sort((x, y) => {
    for (const { ident, ascending } of order) {
      const a = resolve(x, ident);
      const b = resolve(y, ident);
      if (a === b) continue;
      if (a === undefined) return 1;
      if (b === undefined) return -1;
      const sign = a < b ? -1 : 1;
      return ascending ? sign : -sign;
    }
    return 0;
  });
}

/** One page of `items` and the token of the next one. */
export function page<T>(
  items: readonly T[],
  maxResults: number,
  token: string | undefined,
): { items: T[]; next?: string } {
  let offset = 0;
  if (token) {
    try {
      offset = JSON.parse(atob(token)).offset;
    } catch {
      offset = -1;
    }
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw invalid(`Invalid page token, could not base64-decode or parse '${token}'`);
    }
  }
  const end = offset + maxResults;
  return {
    items: items.slice(offset, end),
    next: end < items.length ? btoa(JSON.stringify({ offset: end })) : undefined,
  };
}

/** max_results within MLflow's bounds for the endpoint. */
export function maxResults(value: number | undefined, fallback: number, limit: number): number {
  if (value === undefined) return fallback;
  if (value < 1 || value > limit) {
    throw invalid(
      `Invalid value ${value} for parameter 'max_results' supplied. It must be at most ${limit}, and at least 1.`,
    );
  }
  return value;
}

/** Refuses attribute names the entity does not have, before any entity is looked at. */
export function checkAttributes(
  idents: readonly Identifier[],
  allowed: ReadonlySet<string>,
  entity: string,
): void {
  for (const ident of idents) {
    if (ident.type === "attribute" && !allowed.has(ident.key)) {
      throw invalid(
        `Invalid attribute key '${ident.key}' for ${entity}; valid keys are ${
          [...allowed].join(", ")
        }`,
      );
    }
  }
}

/**
 * The resolver of entities with `tags` and plain attributes (experiments, registered models,
 * model versions); `aliases` maps MLflow's alternative attribute names to fields.
 */
export function taggedEntityField<T extends { readonly tags: Readonly<Record<string, string>> }>(
  aliases: Readonly<Record<string, string>> = {},
): Resolver<T> {
  return (entity, ident) => {
    if (ident.type === "tag") return entity.tags[ident.key];
    if (ident.type !== "attribute") return undefined;
    const fields = entity as unknown as Readonly<Record<string, string | number>>;
    return fields[aliases[ident.key] ?? ident.key];
  };
}
