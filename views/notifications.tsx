/**
 * Notification settings: browser and desktop opt-ins, webhooks, and the rules that choose which
 * notices go where. Webhook URLs are secrets (a Slack webhook URL is a key): shown masked.
 * Props in, HTML out.
 *
 * @module
 */
import type { Channel, NoticeKind, NotifySettings } from "../core/notify.ts";
import { PostForm } from "./layout.tsx";

const KINDS: [NoticeKind, string][] = [
  ["conflict", "Conflict"],
  ["error", "Error"],
  ["change", "Change applied"],
  ["lossy", "Lossy translation"],
];
const CHANNELS: [Channel, string][] = [
  ["toast", "In-app toast"],
  ["browser", "Browser"],
  ["desktop", "Desktop"],
  ["webhook", "Webhooks"],
];

/** `https://hooks.slack.com/services/T0/B0/XX` → `https://hooks.slack.com/****`. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/****`;
  } catch {
    return "****";
  }
}

/** Props of {@linkcode NotificationSettings}. */
export interface NotificationProps {
  settings: NotifySettings;
  csrf: string;
  message?: string;
  error?: string;
  /** The platform tool desktop notifications use, or undefined when none is known. */
  desktopTool?: string;
}

/** The settings form. */
export function NotificationSettings(p: NotificationProps) {
  const s = p.settings;
  const hooks = [...s.webhooks, undefined];
  return (
    <div id="notifications">
      <h1>Notifications</h1>
      {p.message ? <p class="notice" role="status">{p.message}</p> : null}
      {p.error ? <p class="notice err" role="alert">{p.error}</p> : null}
      <PostForm to="/notifications" csrf={p.csrf} target="#notifications">
        <section class="panel" aria-labelledby="channels-h">
          <h2 id="channels-h">Channels</h2>
          <p>In-app toasts appear on every aisync page that is open.</p>
          <div class="row">
            <label>
              <input type="checkbox" name="browser" value="on" checked={s.browser} />{" "}
              Browser notifications
            </label>
            <button type="button" data-ask-notifications>Allow in this browser</button>
            <span class="muted">
              permission: <span id="browser-permission">unknown</span>
            </span>
          </div>
          <div class="row">
            <label>
              <input type="checkbox" name="desktop" value="on" checked={s.desktop} />{" "}
              Desktop notifications
            </label>
            <span class="muted">
              {p.desktopTool
                ? `shown with ${p.desktopTool} by the aisync service`
                : "no notification tool found on this system"}
            </span>
          </div>
        </section>
        <section class="panel" aria-labelledby="rules-h">
          <h2 id="rules-h">Rules</h2>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  {CHANNELS.map(([c, label]) => <th key={c} scope="col">{label}</th>)}
                </tr>
              </thead>
              <tbody>
                {KINDS.map(([k, label]) => (
                  <tr key={k}>
                    <th scope="row">{label}</th>
                    {CHANNELS.map(([c, clabel]) => (
                      <td key={c}>
                        <input
                          type="checkbox"
                          name={`rule.${k}`}
                          value={c}
                          checked={(s.rules[k] ?? []).includes(c)}
                          aria-label={`${label}: ${clabel}`}
                        />
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
        <section class="panel" aria-labelledby="hooks-h">
          <h2 id="hooks-h">Webhooks</h2>
          <p class="muted">
            Retried with backoff on errors. Leave a URL as shown (masked) to keep it; clear the name
            to remove a webhook.
          </p>
          {hooks.map((h, i) => (
            <fieldset key={i}>
              <legend>{h ? h.name : "Add a webhook"}</legend>
              <div class="row">
                <label>
                  Name <input name={`hook.${i}.name`} value={h?.name ?? ""} />
                </label>
                <label>
                  URL{" "}
                  <input
                    name={`hook.${i}.url`}
                    value={h ? maskUrl(h.url) : ""}
                    placeholder="https://ntfy.sh/my-topic"
                    class="mono"
                    autocomplete="off"
                  />
                </label>
                <label>
                  Format
                  <select name={`hook.${i}.format`}>
                    <option value="json" selected={h?.format === "json"}>generic JSON</option>
                    <option value="slack" selected={h?.format === "slack"}>Slack-compatible</option>
                    <option value="ntfy" selected={h?.format === "ntfy"}>ntfy</option>
                  </select>
                </label>
                <label>
                  <input
                    type="checkbox"
                    name={`hook.${i}.enabled`}
                    value="on"
                    checked={h ? h.enabled : true}
                  />{" "}
                  on
                </label>
              </div>
            </fieldset>
          ))}
        </section>
        <div class="row">
          <button type="submit" class="primary">Save notification settings</button>
        </div>
      </PostForm>
      <PostForm to="/notifications/test" csrf={p.csrf} target="#notifications" class="row">
        <button type="submit">Send a test notification</button>
      </PostForm>
    </div>
  );
}
