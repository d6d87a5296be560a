// Turns optional list filters into numbered SQL conditions.

export class Filters {
  readonly where: string[] = [];
  readonly params: unknown[] = [];

  /** Adds `condition` with `$?` replaced by the value's placeholder, when the value is given. */
  add(condition: string, value: unknown): this {
    if (value === undefined) return this;
    this.params.push(value);
    this.where.push(condition.replaceAll('$?', `$${this.params.length}`));
    return this;
  }

  /** Adds `condition` as it is (no parameter) when `wanted` is true. */
  addIf(condition: string, wanted: boolean): this {
    if (wanted) this.where.push(condition);
    return this;
  }
}
