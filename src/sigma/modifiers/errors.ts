/** A rule value or modifier chain Vigil cannot compile: the rule reports itself with this reason. */
export class ModifierError extends Error {
  override readonly name = "ModifierError";
}
