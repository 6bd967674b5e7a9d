/** Stream sequence numbers are decimal strings of varying length: compare them numerically. */
export function compareSequenceNumbers(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
