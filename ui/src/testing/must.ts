/** A value a test expects to be there (a map entry, a parse result): the value, or a failure that names it. */
export function must<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`expected ${what}, got ${String(value)}`);
  return value;
}
