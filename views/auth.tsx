/**
 * The first-run setup page and the sign-in page. Props in, HTML out.
 *
 * @module
 */
import { MIN_PASSWORD } from "../core/auth.ts";
import { Csrf } from "./layout.tsx";

/** Props of {@linkcode SetupForm}. */
export interface SetupProps {
  csrf: string;
  error?: string;
  name?: string;
}

/** Creates the first user with the one-time setup token printed by `aisync serve`. */
export function SetupForm(p: SetupProps) {
  return (
    <section class="auth panel" aria-labelledby="setup-h">
      <h1 id="setup-h">Set up aisync</h1>
      <p>
        No user exists yet. Enter the one-time <strong>setup token</strong> that{" "}
        <code>aisync serve</code> printed in its console, and choose your name and password.
      </p>
      {p.error ? <p class="notice err" role="alert">{p.error}</p> : null}
      <form method="post" action="/setup" class="form-grid">
        <Csrf token={p.csrf} />
        <label>
          Setup token
          <input
            name="token"
            required
            autocomplete="off"
            spellcheck={false}
            class="mono"
            autofocus
          />
        </label>
        <label>
          User name
          <input name="username" required autocomplete="username" value={p.name ?? ""} />
        </label>
        <label>
          Password (at least {MIN_PASSWORD} characters)
          <input
            name="password"
            type="password"
            required
            minlength={MIN_PASSWORD}
            autocomplete="new-password"
          />
        </label>
        <label>
          Password again
          <input
            name="confirm"
            type="password"
            required
            minlength={MIN_PASSWORD}
            autocomplete="new-password"
          />
        </label>
        <button type="submit" class="primary">Create user and sign in</button>
      </form>
    </section>
  );
}

/** Props of {@linkcode LoginForm}. */
export interface LoginProps {
  csrf: string;
  error?: string;
  name?: string;
  next?: string;
}

/** The sign-in form. */
export function LoginForm(p: LoginProps) {
  return (
    <section class="auth panel" aria-labelledby="login-h">
      <h1 id="login-h">Sign in to aisync</h1>
      {p.error ? <p class="notice err" role="alert">{p.error}</p> : null}
      <form method="post" action="/login" class="form-grid">
        <Csrf token={p.csrf} />
        <input type="hidden" name="next" value={p.next ?? "/"} />
        <label>
          User name
          <input
            name="username"
            required
            autocomplete="username"
            value={p.name ?? ""}
            autofocus
          />
        </label>
        <label>
          Password
          <input name="password" type="password" required autocomplete="current-password" />
        </label>
        <button type="submit" class="primary">Sign in</button>
      </form>
    </section>
  );
}
