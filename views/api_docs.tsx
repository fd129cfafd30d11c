/**
 * The API reference page, rendered on the server from the OpenAPI document (no client build, no
 * external reference UI). Props in, HTML out.
 *
 * @module
 */

interface Operation {
  summary?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean; schema?: unknown }[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string }>;
}

/** The parts of an OpenAPI document the page shows. */
export interface DocProps {
  doc: {
    info: { title: string; description?: string; version: string };
    paths?: Record<string, Record<string, Operation>>;
  };
}

/** The reference page body. */
export function ApiDocs({ doc }: DocProps) {
  const ops = Object.entries(doc.paths ?? {}).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method, op }))
  );
  return (
    <>
      <div class="spread">
        <h1>{doc.info.title}</h1>
        <a href="/api/v1/openapi.json">OpenAPI document (JSON)</a>
      </div>
      <p>{doc.info.description}</p>
      <section class="panel">
        {ops.map(({ path, method, op }) => (
          <div class="api-op" key={`${method} ${path}`} id={`${method}-${path}`}>
            <h2>
              <span class="method">{method.toUpperCase()}</span>
              <code>{path}</code>
            </h2>
            <p>
              {op.summary}
              {op.security?.length ? <span class="muted">(bearer token)</span> : null}
            </p>
            {op.parameters?.length
              ? (
                <p>
                  Parameters: {op.parameters.map((p) =>
                    `${p.name} (${p.in}${p.required ? ", required" : ""})`
                  )
                    .join(", ")}
                </p>
              )
              : null}
            {op.requestBody?.content
              ? Object.entries(op.requestBody.content).map(([type, c]) => (
                <details key={type}>
                  <summary>Request body ({type})</summary>
                  <pre>{JSON.stringify(c.schema, null, 2)}</pre>
                </details>
              ))
              : null}
            <p class="muted">
              Responses: {Object.entries(op.responses ?? {}).map(([code, r]) =>
                `${code} ${r.description ?? ""}`
              )
                .join(" · ")}
            </p>
          </div>
        ))}
      </section>
    </>
  );
}
