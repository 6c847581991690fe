import fc from "fast-check";

/**
 * Hostile values for the fuzz suite: text PostgreSQL cannot store, numbers beyond the columns
 * they reach, bodies deeper or larger than what is accepted. Each is what a client can send.
 */

/** One UTF-16 code unit of the surrogate range: on its own, text no UTF-8 column can hold. */
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((u) => String.fromCharCode(u));

const oddPieces = fc.constantFrom(
  "\0",
  "%00",
  "%",
  "%zz",
  "/",
  "..",
  "?",
  "#",
  "&",
  "=",
  " ",
  "'",
  '"',
  "\\",
  "\n",
  "\u202e",
  "\ufeff",
  "😀",
  "\ud83d",
  "\ude00",
  "ß",
);

/**
 * Text of every kind: mostly pieces with NUL and lone surrogates among URL syntax and odd
 * characters (what a column refuses is the point), else plain, any code point, or long.
 */
export const nastyText: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .array(
        fc.oneof(
          { weight: 2, arbitrary: fc.constant("\0") },
          { weight: 2, arbitrary: loneSurrogate },
          { weight: 3, arbitrary: oddPieces },
          { weight: 3, arbitrary: fc.string({ maxLength: 3 }) },
        ),
        { minLength: 1, maxLength: 6 },
      )
      .map((parts) => parts.join("")),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom(256, 1000, 5000).map((n) => "x".repeat(n)) },
);

/**
 * Numbers as text, around every bound that matters (int4, JS's safe integers, doubles) and in
 * every notation `Number()` accepts or refuses. In-range small integers are left out on purpose:
 * a valid `n_steps` of 20 is a minute of CPU, and the good values come from the schemas instead.
 */
export const numberText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "-1",
    "-0",
    "1.5",
    "0.0001",
    "1e3",
    "1e-7",
    "2147483646",
    "2147483647",
    "2147483648",
    "-2147483649",
    "4294967296",
    "9007199254740991",
    "9007199254740993",
    "9223372036854775807",
    "9223372036854775808",
    "1e20",
    "1e308",
    "1e400",
    "-1e400",
    "NaN",
    "Infinity",
    "-Infinity",
    "0x7fffffff",
    "0b1",
    "+1",
    " 1 ",
    "1_000",
    "",
  ),
  fc.integer({ min: 2 ** 31, max: Number.MAX_SAFE_INTEGER }).map(String),
  fc.integer({ min: -(2 ** 40), max: -1 }).map(String),
  fc.double({ noDefaultInfinity: false }).map(String),
  fc.bigInt({ min: 2n ** 53n, max: 2n ** 80n }).map(String),
);

/** `{"a":[[[...]]]}` or `{"a":{"a":...}}`, `depth` levels below the top object. */
const nested = (depth: number, arrays: boolean) =>
  arrays
    ? `{"a":${"[".repeat(depth)}${"]".repeat(depth)}}`
    : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;

/** Raw JSON number literals JSON.parse accepts but a double cannot hold exactly (or at all). */
const numberLiteral = fc.constantFrom(
  "1e400",
  "-1e400",
  "123456789012345678901234567890",
  "2147483648",
  "-0",
  "1.5e-400",
  "0.1",
);

/**
 * Hostile request bodies: any JSON (objects with hostile keys and
 * strings, arrays, scalars), deep nesting either side of the limit, numbers beyond a double,
 * malformed JSON, raw control characters, and bodies over the size limit.
 */
export const bodyText: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc
      .dictionary(
        nastyText,
        fc.oneof(nastyText, fc.double(), fc.boolean(), fc.constant(null), fc.jsonValue()),
        { minKeys: 1, maxKeys: 4 },
      )
      .map((value) => JSON.stringify(value)),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.oneof(fc.constantFrom(63, 64, 65, 1500, 10_000), fc.integer({ min: 1, max: 5000 })),
        fc.boolean(),
      )
      .map(([depth, arrays]) => nested(depth, arrays)),
  },
  { weight: 1, arbitrary: numberLiteral.map((n) => `{"n":${n}}`) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "",
      "null",
      "[]",
      '"text"',
      "{oops",
      '{"a":"\0"}',
      '{"a":"\\u0000"}',
      '{"\\u0000":1}',
      '{"\\ud800":1}',
      '{"a":"\\udfff"}',
      '{"a":["x\\ud800y"]}',
      '{"a":1,"a":2}',
      '{"__proto__":{"x":1}}',
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constant(JSON.stringify({ pad: "x".repeat(70_000) })) },
);

/** Content types a client may claim, right or wrong. */
export const contentType = fc.constantFrom(
  "application/json",
  "application/json; charset=utf-8",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/octet-stream",
  "application/json; charset=latin1",
  "garbage",
  "",
);

/** Accept headers: JSON, server-sent events (the live feeds), anything, nonsense. */
export const accept = fc.constantFrom(
  "application/json",
  "text/event-stream",
  "*/*",
  "text/html",
  "garbage",
);

/**
 * Percent-encodes `text` for a URL path segment or query value as a client would send it,
 * including what `encodeURIComponent` refuses: a lone surrogate goes as its three (WTF-8) bytes.
 */
export function encodeComponent(text: string): string {
  let out = "";
  for (const char of text) {
    const unit = char.charCodeAt(0);
    if (char.length === 1 && unit >= 0xd800 && unit <= 0xdfff) {
      out += [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]
        .map((byte) => `%${byte.toString(16).toUpperCase()}`)
        .join("");
    } else {
      out += encodeURIComponent(char);
    }
  }
  return out;
}

/** Whether `value` can travel as an HTTP header value at all (a fetch client refuses the rest). */
export function sendableHeader(value: string): boolean {
  try {
    new Headers({ x: value });
    return true;
  } catch {
    return false;
  }
}
