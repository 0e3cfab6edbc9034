// The UI's one way to the server: POST /graphql. Errors become ApiError with a kind the views can show
// ("unknown id" vs "server went away" vs "bad request") and a message written for people.

export interface Doc<TData, TVars> {
  readonly name: string;
  readonly source: string;
  /** Phantom fields: carry the result and variable types; never set at run time. */
  readonly __data?: TData;
  readonly __vars?: TVars;
}

/** A typed GraphQL document; operations.test.ts validates every one against the checked-in schema. */
export function doc<TData, TVars = Record<string, never>>(source: string): Doc<TData, TVars> {
  const name = /(?:query|mutation|subscription)\s+(\w+)/.exec(source)?.[1] ?? "anonymous";
  return { name, source };
}

export type ApiErrorKind = "unreachable" | "notFound" | "badRequest" | "server";

export class ApiError extends Error {
  constructor(
    readonly kind: ApiErrorKind,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

interface GraphQLErrorBody {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; [key: string]: unknown };
}

const UNREACHABLE =
  "The mltrace server is not answering. Is `mltrace serve` still running? This page retries on its own.";

/** How a GraphQL error reads to the UI, by the server's error code (extensions.code), never by its wording. */
function classifyGraphQLErrors(errors: GraphQLErrorBody[]): ApiError {
  const message = errors.map((e) => e.message).join("; ");
  const code = errors.at(0)?.extensions?.code;
  if (code === "NOT_FOUND") return new ApiError("notFound", message);
  if (code === "INTERNAL_SERVER_ERROR") return new ApiError("server", message);
  return new ApiError("badRequest", message);
}

const endpoint = (): string => "/graphql";

export const SIGNED_OUT_EVENT = "mltrace:signed-out";

export async function request<TData, TVars>(
  document: Doc<TData, TVars>,
  variables?: TVars,
  signal?: AbortSignal,
): Promise<TData> {
  let response: Response;
  try {
    response = await fetch(endpoint(), {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/graphql-response+json, application/json" },
      body: JSON.stringify({ query: document.source, operationName: document.name, variables: variables ?? {} }),
      signal,
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError("unreachable", UNREACHABLE);
  }
  let body: { data?: TData | null; errors?: GraphQLErrorBody[] } | null;
  try {
    body = (await response.json()) as typeof body;
  } catch {
    body = null;
  }
  // The session expired or its key was revoked: the sign-in gate (features/signin) asks for a key again.
  if (response.status === 401) window.dispatchEvent(new Event(SIGNED_OUT_EVENT));
  if (body?.errors?.length) throw classifyGraphQLErrors(body.errors);
  if (!response.ok || !body) {
    if (response.status === 502 || response.status === 503 || response.status === 504)
      throw new ApiError("unreachable", `${UNREACHABLE} (HTTP ${response.status})`);
    throw new ApiError("server", `The server answered HTTP ${response.status} ${response.statusText}.`.trim());
  }
  if (body.data === null || body.data === undefined) throw new ApiError("server", "The server answered no data.");
  return body.data;
}
