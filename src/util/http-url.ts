/** What is wrong with a base URL given by the user, or undefined when it is an http(s) URL with a host. */
export function httpUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `expected an http:// or https:// URL such as http://localhost:8000/v1, got ${JSON.stringify(value)}`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return `expected an http:// or https:// URL such as http://localhost:8000/v1, got a ${url.protocol.replace(/:$/, "")}: URL (dspx speaks HTTP to providers)`;
  }
  if (url.hostname === "") return `expected an http:// or https:// URL with a host, such as http://localhost:8000/v1`;
  return undefined;
}
