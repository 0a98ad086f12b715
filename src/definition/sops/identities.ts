// Reading the `sops-age-key` input (or SOPS_AGE_KEY): age identities as in an age `keys.txt`,
// one or more per line, with `#` comment lines and blank lines. Pure and small: inputs.ts calls
// it before anything is loaded. Nothing here ever quotes a line of the key: a malformed line may
// still be secret material.

/** What an age identity looks like (Bech32, upper case): X25519 and the post-quantum hybrid. */
const IDENTITY = /^AGE-SECRET-KEY-(?:PQ-)?1[02-9ACDEFGHJKL-NP-Z]+$/
const IDENTITY_PREFIX = /^AGE-SECRET-KEY-/i

export interface AgeKeyReading {
  /** The identities, in the order given (duplicates removed). */
  identities: string[]
  /** Every non-comment line and every identity: what must be masked before anything is printed. */
  secrets: string[]
  /** Problems, each naming the line; never quoting it. */
  problems: string[]
}

/**
 * Splits the key text into identities. `from` names where the text came from in messages, e.g.
 * `Input "sops-age-key"` or `SOPS_AGE_KEY`.
 */
export function readAgeIdentities(text: string, from: string): AgeKeyReading {
  const identities: string[] = []
  const secrets: string[] = []
  const problems: string[] = []
  const lines = text.split(/\r\n|\n|\r/)
  lines.forEach((raw, index) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    secrets.push(line)
    const where = lines.length > 1 ? `line ${index + 1}` : 'the value'
    const words = line.split(/\s+/)
    secrets.push(...words)
    for (const word of words) {
      if (IDENTITY.test(word)) {
        if (!identities.includes(word)) identities.push(word)
        continue
      }
      // One problem per line: the rest of a line that is not a key says nothing more.
      if (/^age1[0-9a-z]+$/.test(word)) {
        problems.push(
          `${from}: ${where} holds an age public key (age1…), which can only encrypt; pass the secret key instead (the AGE-SECRET-KEY-1… line of the keys.txt that age-keygen wrote).`
        )
      } else if (IDENTITY_PREFIX.test(word)) {
        problems.push(
          `${from}: ${where} is not a well-formed age identity: it must be AGE-SECRET-KEY-1 followed by upper-case letters and digits, as age-keygen writes it (was it changed to lower case, or cut short?).`
        )
      } else if (/^-----BEGIN|^ssh-|PRIVATE KEY/.test(word)) {
        problems.push(
          `${from}: ${where} looks like an SSH or PGP key; only age identities (AGE-SECRET-KEY-1…) are supported.`
        )
      } else {
        problems.push(
          `${from}: ${where} is not an age identity; write one AGE-SECRET-KEY-1… identity per line (lines starting with # are comments).`
        )
      }
      break
    }
  })
  return { identities, secrets, problems }
}
