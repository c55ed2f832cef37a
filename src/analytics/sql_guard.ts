/**
 * Refuses SQL that could change anything before it reaches the read-only connection: one
 * statement, starting with SELECT, WITH, VALUES, EXPLAIN or a reading PRAGMA, and no keyword
 * that writes or attaches. The read-only connection is the backstop (REPLACE is left to it, as
 * it is also a string function).
 * @module
 */

const STARTS = new Set(["SELECT", "WITH", "VALUES", "EXPLAIN", "PRAGMA"]);
const FORBIDDEN = new Set([
  "ATTACH",
  "DETACH",
  "INSERT",
  "UPDATE",
  "DELETE",
  "CREATE",
  "DROP",
  "ALTER",
  "VACUUM",
  "REINDEX",
  "ANALYZE",
  "BEGIN",
  "COMMIT",
  "ROLLBACK",
  "SAVEPOINT",
  "RELEASE",
]);
/** PRAGMAs that only read (their argument, if any, names a table or index). */
const READ_PRAGMAS = new Set([
  "table_info",
  "table_xinfo",
  "table_list",
  "index_list",
  "index_info",
  "index_xinfo",
  "foreign_key_list",
  "collation_list",
  "function_list",
  "pragma_list",
  "compile_options",
  "user_version",
  "schema_version",
  "page_count",
  "page_size",
]);

/** Reading PRAGMAs that would write their value if given one (`= v` or `(v)`). */
const VALUE_PRAGMAS = new Set(["user_version", "schema_version", "page_size"]);

/** Returns null when the SQL may run, else the reason it is refused. */
export function refuseReason(sql: string): string | null {
  const code = stripLiterals(sql);
  const statements = code.split(";").filter((s) => s.trim() !== "");
  if (statements.length === 0) return "the SQL is empty";
  if (statements.length > 1) return "only one statement may be sent";
  const words = statements[0].toUpperCase().match(/[A-Z_][A-Z0-9_]*/g) ?? [];
  const first = words[0] ?? "";
  if (!STARTS.has(first)) {
    return `only SELECT, WITH, VALUES, EXPLAIN and reading PRAGMAs are allowed, not ${first}`;
  }
  const bad = words.find((w) => FORBIDDEN.has(w));
  if (bad) return `${bad} is not allowed: the analytics connection is read-only`;
  if (first === "PRAGMA") {
    const name = (words[1] ?? "").toLowerCase();
    // `PRAGMA user_version(7)` writes as surely as `= 7`: these take no argument at all.
    const setsWithArgument = VALUE_PRAGMAS.has(name) && code.includes("(");
    if (!READ_PRAGMAS.has(name) || code.includes("=") || setsWithArgument) {
      return `PRAGMA ${name} is not allowed: only PRAGMAs that read are (${
        [...READ_PRAGMAS].join(", ")
      }), without "="`;
    }
  }
  return null;
}

/** Replaces string literals, quoted identifiers and comments by spaces, keeping the rest. */
function stripLiterals(sql: string): string {
  let out = "";
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (c === "'" || c === '"' || c === "`" || c === "[") {
      const close = c === "[" ? "]" : c;
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === close) {
          if (close !== "]" && sql[j + 1] === close) {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      out += c === "'" ? " '' " : ' "x" ';
      i = j + 1;
    } else if (c === "-" && sql[i + 1] === "-") {
      const nl = sql.indexOf("\n", i);
      i = nl === -1 ? sql.length : nl;
      out += " ";
    } else if (c === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end === -1 ? sql.length : end + 2;
      out += " ";
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
