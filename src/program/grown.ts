/** A typed array twice as long as `from`, starting with its values: how the row tables grow. */
export function doubled<T extends Uint32Array | Float64Array>(from: T): T {
  const into = new (from.constructor as new (n: number) => T)(from.length * 2);
  into.set(from);
  return into;
}
