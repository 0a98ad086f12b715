// Northflank derives a global secret's id from its name (api-notes.md, "identifier derivation").

/**
 * The id Northflank derives from a name: lower-cased, each space or hyphen as `-`. Names that
 * pass the schema hold only ASCII letters, digits and single separators, so this is exact for
 * them (`Example Secret` → `example-secret`; `My Secret` and `my-secret` collide).
 */
export function deriveSecretId(name: string): string {
  // The name pattern's `\s` (u flag) admits any whitespace as a separator, tabs included.
  return name.toLowerCase().replace(/[\s-]/gu, '-')
}
