// Sent in the User-Agent so Northflank can tell this action's requests apart.
// Kept equal to package.json's version by a unit test.
export const ACTION_NAME = 'northflank-global-secret-action'
export const ACTION_VERSION = '1.0.0'
