/**
 * The dashboard: one card per client. Props in, HTML out.
 *
 * @module
 */

/** Props of {@linkcode Dashboard}. */
export interface DashboardProps {
  clients: {
    id: string;
    name: string;
    status?: { state: string; notes: unknown[]; errors: string[]; lastChange: number | null };
  }[];
}

/** The full dashboard page. */
export function Dashboard({ clients }: DashboardProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>aisync</title>
      </head>
      <body>
        <h1>aisync</h1>
        <main>
          {clients.map((c) => (
            <section key={c.id} id={`client-${c.id}`}>
              <h2>{c.name}</h2>
              <p>{c.status?.state ?? "never synced"}</p>
              {c.status?.errors.map((e) => <p key={e}>{e}</p>)}
            </section>
          ))}
        </main>
      </body>
    </html>
  );
}
