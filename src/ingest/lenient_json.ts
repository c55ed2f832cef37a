/**
 * JSON as the BalatroMCP mod writes it: valid JSON, except that it may contain bare
 * `nan`/`-nan`/`inf`/`-inf` tokens and raw control characters inside strings. Those are
 * repaired (non-finite → null, control characters kept as the characters they stand for) and
 * every repair is reported with its path, so nothing is silently changed.
 * @module
 */

/** One place where the input was not JSON and was fixed. */
export interface Repair {
  /** Where, as keys and indices from the document root. */
  readonly path: readonly (string | number)[];
  readonly kind: "non_finite_number" | "control_character";
  /** What stood in the input: the token (`inf`), or the code points (`U+0001`). */
  readonly original: string;
  /** What is stored instead: null, or the string in JSON-escaped form. */
  readonly replacement: string | null;
}

/** A parsed document and the repairs it needed (none for valid JSON). */
export interface LenientResult {
  readonly value: unknown;
  readonly repairs: readonly Repair[];
}

/** Input that cannot be read even leniently; `position` is a character offset. */
export class JsonSyntaxError extends Error {
  constructor(message: string, readonly position: number) {
    super(message);
    this.name = "JsonSyntaxError";
  }
}

/** Nesting deeper than allowed. */
export class JsonDepthError extends Error {
  constructor(readonly maxDepth: number) {
    super(`JSON nesting is deeper than ${maxDepth} levels`);
    this.name = "JsonDepthError";
  }
}

/**
 * Parses a UTF-8 body (or text), trying the engine's JSON.parse first (the common case costs nothing
 * extra) and the repairing parser only when that fails. Invalid UTF-8 becomes U+FFFD.
 * @throws {JsonDepthError} when arrays/objects nest deeper than `maxDepth`
 * @throws {JsonSyntaxError} when the text cannot be repaired
 */
export function parseLenientJson(body: Uint8Array | string, maxDepth: number): LenientResult {
  const bytes = typeof body === "string" ? encoder.encode(body) : body;
  // Depth first: deep documents would overflow the stack of everything that walks them later.
  if (nestingDepthExceeds(bytes, maxDepth)) throw new JsonDepthError(maxDepth);
  const text = typeof body === "string" ? body : decoder.decode(bytes);
  try {
    return { value: JSON.parse(text), repairs: [] };
  } catch {
    return new RepairingParser(text).parseDocument();
  }
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * True when brackets outside strings nest deeper than `max`. Scans bytes: every structural
 * character is ASCII and UTF-8 never uses ASCII bytes inside a multi-byte character.
 */
export function nestingDepthExceeds(bytes: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

const NON_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

class RepairingParser {
  #pos = 0;
  readonly #path: (string | number)[] = [];
  readonly #repairs: Repair[] = [];

  constructor(readonly text: string) {}

  parseDocument(): LenientResult {
    this.#skipSpace();
    const value = this.#value();
    this.#skipSpace();
    if (this.#pos < this.text.length) this.#fail("unexpected text after the end of the document");
    return { value, repairs: this.#repairs };
  }

  #value(): unknown {
    const c = this.text[this.#pos];
    if (c === "{") return this.#object();
    if (c === "[") return this.#array();
    if (c === '"') return this.#string();
    return this.#bareToken();
  }

  #object(): Record<string, unknown> {
    const obj: Record<string, unknown> = {};
    this.#pos++;
    this.#skipSpace();
    if (this.#eat("}")) return obj;
    for (;;) {
      this.#skipSpace();
      if (this.text[this.#pos] !== '"') this.#fail("expected a quoted key");
      const key = this.#string();
      this.#skipSpace();
      if (!this.#eat(":")) this.#fail(`expected ":" after key "${key}"`);
      this.#skipSpace();
      this.#path.push(key);
      const value = this.#value();
      this.#path.pop();
      // Plain assignment to "__proto__" would change the prototype instead of adding a key.
      Object.defineProperty(obj, key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.#skipSpace();
      if (this.#eat("}")) return obj;
      if (!this.#eat(",")) this.#fail('expected "," or "}" in an object');
    }
  }

  #array(): unknown[] {
    const arr: unknown[] = [];
    this.#pos++;
    this.#skipSpace();
    if (this.#eat("]")) return arr;
    for (;;) {
      this.#skipSpace();
      this.#path.push(arr.length);
      arr.push(this.#value());
      this.#path.pop();
      this.#skipSpace();
      if (this.#eat("]")) return arr;
      if (!this.#eat(",")) this.#fail('expected "," or "]" in an array');
    }
  }

  #string(): string {
    const text = this.text;
    const start = ++this.#pos;
    let out = "";
    let chunkStart = start;
    const controls = new Set<number>();
    for (;;) {
      if (this.#pos >= text.length) this.#fail("unterminated string", start - 1);
      const c = text.charCodeAt(this.#pos);
      if (c === 0x22) break;
      if (c === 0x5c) {
        out += text.slice(chunkStart, this.#pos) + this.#escape();
        chunkStart = this.#pos;
        continue;
      }
      if (c < 0x20) controls.add(c);
      this.#pos++;
    }
    out += text.slice(chunkStart, this.#pos);
    this.#pos++;
    if (controls.size > 0) {
      const codes = [...controls];
      this.#repairs.push({
        path: [...this.#path],
        kind: "control_character",
        original: codes.map((c) => "U+" + c.toString(16).toUpperCase().padStart(4, "0")).join(","),
        replacement: JSON.stringify(out),
      });
    }
    return out;
  }

  #escape(): string {
    const next = this.text[this.#pos + 1];
    this.#pos += 2;
    switch (next) {
      case '"':
      case "\\":
      case "/":
        return next;
      case "b":
        return "\b";
      case "f":
        return "\f";
      case "n":
        return "\n";
      case "r":
        return "\r";
      case "t":
        return "\t";
      case "u": {
        const hex = this.text.slice(this.#pos, this.#pos + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.#fail("bad \\u escape in a string");
        this.#pos += 4;
        return String.fromCharCode(parseInt(hex, 16));
      }
      default:
        return this.#fail(`bad escape "\\${next ?? ""}" in a string`, this.#pos - 2);
    }
  }

  #bareToken(): unknown {
    const start = this.#pos;
    while (this.#pos < this.text.length && !/[\s,\]}:]/.test(this.text[this.#pos])) this.#pos++;
    const token = this.text.slice(start, this.#pos);
    if (token === "") {
      this.#fail(
        this.#pos >= this.text.length ? "unexpected end of input" : "expected a value",
        start,
      );
    }
    if (token === "true") return true;
    if (token === "false") return false;
    if (token === "null") return null;
    if (NUMBER.test(token)) return Number(token);
    if (NON_FINITE.test(token)) {
      this.#repairs.push({
        path: [...this.#path],
        kind: "non_finite_number",
        original: token,
        replacement: null,
      });
      return null;
    }
    return this.#fail(`unexpected token "${token.slice(0, 32)}"`, start);
  }

  #skipSpace(): void {
    while (this.#pos < this.text.length) {
      const c = this.text.charCodeAt(this.#pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.#pos++;
    }
  }

  #eat(ch: string): boolean {
    if (this.text[this.#pos] !== ch) return false;
    this.#pos++;
    return true;
  }

  #fail(what: string, at = this.#pos): never {
    const where = at >= this.text.length ? "at the end of the input" : `at character ${at}`;
    throw new JsonSyntaxError(`${what} ${where}`, at);
  }
}
