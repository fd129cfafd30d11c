/**
 * The page frame: head with the vendored htmx and its SSE extension, navigation, the toast area
 * and the live connection to `/events`. Props in, HTML out.
 *
 * @module
 */
import type { Child } from "hono/jsx";

/** Props of {@linkcode Layout}. */
export interface LayoutProps {
  title: string;
  /** The signed-in user, if any (pages before login have none). */
  user?: string;
  /** The session's CSRF token, sent by htmx with every request. */
  csrf?: string;
  /** The nav entry to mark as current. */
  active?: string;
  /** Open conflicts, shown as a badge in the nav. */
  conflicts?: number;
  /** Whether the page extras (logs) are mounted. */
  logs?: boolean;
  /** The last event id the page's data includes: its live updates start after it. */
  eventsFrom?: number;
  children?: Child;
}

const NAV = [
  ["dashboard", "/", "Dashboard"],
  ["items", "/items", "Items"],
  ["conflicts", "/conflicts", "Conflicts"],
  ["policies", "/policies", "Sync policies"],
  ["notifications", "/notifications", "Notifications"],
  ["logs", "/logs", "Logs"],
  ["api", "/api/docs", "API"],
] as const;

/** The nav badge with the number of open conflicts (also swapped live). */
export function ConflictBadge({ count }: { count: number }) {
  return (
    <span
      id="nav-conflicts"
      data-count={String(count)}
      class={count ? "badge badge-warn" : "badge"}
      sse-swap="nav-conflicts"
      hx-swap="outerHTML"
    >
      {count ? <span class="sr-only">open conflicts:</span> : null}
      {count ? String(count) : ""}
    </span>
  );
}

/** The whole page around `children`. */
export function Layout(props: LayoutProps) {
  const signedIn = !!props.user;
  const htmxConfig = JSON.stringify({
    includeIndicatorStyles: false,
    allowEval: false,
    allowScriptTags: false,
  });
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <meta name="htmx-config" content={htmxConfig} />
        <title>{props.title} · aisync</title>
        <link rel="stylesheet" href="/static/app.css" />
        <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
        <script src="/static/htmx.min.js" defer></script>
        <script src="/static/htmx-ext-sse.min.js" defer></script>
        <script src="/static/app.js" defer></script>
      </head>
      <body
        hx-headers={props.csrf ? JSON.stringify({ "X-CSRF-Token": props.csrf }) : undefined}
        hx-ext={signedIn ? "sse" : undefined}
        sse-connect={signedIn
          ? props.eventsFrom === undefined ? "/events" : `/events?lastEventId=${props.eventsFrom}`
          : undefined}
      >
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
          <a class="brand" href="/">aisync</a>
          {signedIn
            ? (
              <nav aria-label="Main">
                <ul>
                  {NAV.filter(([id]) => id !== "logs" || props.logs).map(([id, href, label]) => (
                    <li key={id}>
                      <a href={href} aria-current={props.active === id ? "page" : undefined}>
                        {label}
                        {id === "conflicts" ? <ConflictBadge count={props.conflicts ?? 0} /> : null}
                      </a>
                    </li>
                  ))}
                </ul>
              </nav>
            )
            : null}
          {signedIn
            ? (
              <form method="post" action="/logout" class="logout">
                <input type="hidden" name="_csrf" value={props.csrf} />
                <span class="muted">{props.user}</span>
                <button type="submit" class="link">Sign out</button>
              </form>
            )
            : null}
        </header>
        {signedIn ? <div id="sync-progress" sse-swap="progress" aria-live="polite"></div> : null}
        <main id="main" tabindex={-1}>{props.children}</main>
        {signedIn
          ? (
            <>
              <div
                id="toasts"
                class="toasts"
                sse-swap="toast"
                hx-swap="afterbegin"
                role="status"
                aria-live="polite"
              >
              </div>
              <div hidden id="sse-control" sse-swap="reload" hx-swap="none"></div>
            </>
          )
          : null}
      </body>
    </html>
  );
}

/** The time as the user's browser would show it (rendered on the server, so in UTC). */
export function Time({ at }: { at: number | null | undefined }) {
  if (!at) return <span class="muted">never</span>;
  const iso = new Date(at).toISOString();
  return <time datetime={iso}>{iso.slice(0, 19).replace("T", " ")} UTC</time>;
}

/** A form's hidden CSRF field. */
export function Csrf({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />;
}

/**
 * A form that posts to `to` with and without script: htmx swaps the answer in for `target` (the
 * form itself when none is named); without script the browser posts and the page reloads. It
 * carries the CSRF field. Other attributes (`id`, `class`, `hx-confirm`, …) pass through.
 */
export function PostForm(
  { to, csrf, target, swap = "outerHTML", children, ...attrs }: {
    to: string;
    csrf: string;
    target?: string;
    swap?: string;
    children?: unknown;
  } & Record<string, unknown>,
) {
  return (
    <form method="post" action={to} hx-post={to} hx-target={target} hx-swap={swap} {...attrs}>
      <Csrf token={csrf} />
      {children}
    </form>
  );
}
