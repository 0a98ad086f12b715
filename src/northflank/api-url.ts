// The rule for api-url: the token only ever travels over HTTPS, except to a
// loopback address (the local stand-in). Pure, so inputs.ts can check it
// before anything else happens.

export function apiUrlProblem(apiUrl: string): string | undefined {
  let url: URL
  try {
    url = new URL(apiUrl)
  } catch {
    // The value is not echoed: a mis-pasted token would end up in the log.
    return 'api-url is not an absolute URL; expected e.g. https://api.northflank.com'
  }
  if (url.username !== '' || url.password !== '') {
    return 'api-url must not contain a user name or password; the API token goes in api-token'
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return `api-url must start with https:// (got ${url.protocol}//)`
  }
  if (url.search !== '' || url.hash !== '' || /[?#]/.test(apiUrl)) {
    return (
      `api-url must not contain a query string or fragment: it is the base URL (such as ` +
      `https://api.northflank.com) that /v1/... is appended to`
    )
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    return (
      `api-url must use https:// so the API token is encrypted in transit; plain http:// is ` +
      `accepted only for loopback addresses (127.0.0.1, localhost, [::1]), not http://${url.host}`
    )
  }
  return undefined
}

function isLoopbackHost(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  )
}
