// The shape of a global secret as Northflank's create endpoint accepts it.
// Validation (schema.json) guarantees these types before a value is treated as one.

export type SecretType = 'secret' | 'config'
export type VcsService = 'bitbucket' | 'gitlab' | 'github' | 'self-hosted' | 'azure'

export interface GitopsSettings {
  vcsService: VcsService
  selfHostedVcsId?: string
  accountLogin?: string
  /** Legacy: Northflank recommends accountLogin. */
  vcsLinkId?: string
  repoUrl: string
  branch: string
  filePath: string
  [extra: string]: unknown
}

export interface GlobalSecretDefinition {
  name: string
  description?: string
  type: SecretType
  secrets?: {
    values?: Record<string, unknown>
    files?: Record<string, unknown>
    [extra: string]: unknown
  }
  gitops?: GitopsSettings
  /** Unknown fields reach a valid definition only with `allow-unknown-fields`, sent as written. */
  [extra: string]: unknown
}
