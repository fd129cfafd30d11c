/**
 * One in-app notification; swapped into the toast area by the event stream. When browser
 * notifications are on, the page script shows the same title and body through the Notification API.
 *
 * @module
 */
import type { Notice } from "../core/notify.ts";

/** A toast for a notice. */
export function Toast({ notice }: { notice: Notice }) {
  const n = notice;
  return (
    <div
      class={`toast toast-${n.kind}`}
      id={`toast-${n.eventId}-${n.kind}`}
      data-kind={n.kind}
      data-title={n.title}
      data-body={n.body}
      data-browser={n.browser ? "1" : "0"}
      hidden={!n.toast}
    >
      <strong>{n.link ? <a href={n.link}>{n.title}</a> : n.title}</strong>
      <p>{n.body}</p>
      <button type="button" data-dismiss aria-label="Dismiss">×</button>
    </div>
  );
}
