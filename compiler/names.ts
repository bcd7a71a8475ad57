/**
 * Hands out hygienic names for generated bindings: `_it`, `_it2`, … skipping every
 * identifier the file spells anywhere, so a generated name can neither capture nor shadow
 * the user's. Unlike Babel's `scope.generateUidIdentifier`, which re-checks every scope
 * for each candidate, this costs O(1) per name, which matters in files with many loops.
 */
export class NameAllocator {
  private readonly next = new Map<string, number>();

  constructor(private readonly taken: ReadonlySet<string>) {}

  /** A new name after `hint`, used by nobody else in the file. */
  fresh(hint: string): string {
    let n = this.next.get(hint) ?? 1;
    let name: string;
    do {
      name = n === 1 ? `_${hint}` : `_${hint}${n}`;
      n++;
    } while (this.taken.has(name));
    this.next.set(hint, n);
    return name;
  }
}
