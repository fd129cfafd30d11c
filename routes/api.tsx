/**
 * The JSON API under `/api/v1` (what the pages do: clients, items, conflicts and their
 * resolution, policies, sync now, plans), the OAuth2 password-flow token endpoint, the OpenAPI
 * document at `/api/v1/openapi.json` and a docs page at `/api/docs`. Every value is masked.
 *
 * @module
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { itemDetail, listItems } from "../core/items.ts";
import { Policy } from "../core/state.ts";
import type { SyncReport } from "../core/engine.ts";
import { ApiDocs } from "../views/api_docs.tsx";
import { attemptLogin } from "./auth.tsx";
import { conflictLists, resolveConflict } from "./conflicts.tsx";
import { pendingPlans } from "./policies.tsx";
import { type Env, page } from "./_web.ts";

const ErrorBody = z.object({ error: z.string(), message: z.string().optional() }).openapi("Error");
const errors = {
  401: {
    description: "No valid bearer token",
    content: { "application/json": { schema: ErrorBody } },
  },
  403: {
    description: "Cross-origin request or CSRF token missing",
    content: { "application/json": { schema: ErrorBody } },
  },
};
const json = <T extends z.ZodType>(schema: T, description: string) => ({
  200: { description, content: { "application/json": { schema } } },
  ...errors,
});
const security = [{ bearer: [] }];

const Note = z.object({ item: z.string(), field: z.string().optional(), message: z.string() });
const PolicySchema = Policy;
const Card = z.object({
  id: z.string(),
  name: z.string(),
  installed: z.boolean(),
  version: z.string().optional(),
  detectError: z.string().optional(),
  state: z.string().openapi({
    description: "ok, syncing, pending, conflict, error, lossy, kept (only receives and keeps " +
      "changes made there), disabled, absent or new",
  }),
  lastChange: z.number().nullable(),
  syncedAt: z.number().nullable(),
  counts: z.object({
    mcp: z.number().optional(),
    instructions: z.number().optional(),
    command: z.number().optional(),
    subagent: z.number().optional(),
    skill: z.number().optional(),
  }).openapi({ description: "Items by kind, for the kinds this client's plugin declares" }),
  notes: z.array(Note),
  errors: z.array(z.string()),
  policy: PolicySchema,
}).openapi("Client");
const ItemSummary = z.object({
  key: z.string(),
  kind: z.string(),
  scope: z.string(),
  name: z.string(),
  clients: z.array(z.string()),
  updatedAt: z.number(),
}).openapi("ItemSummary");
const ItemDetail = z.object({
  key: z.string(),
  kind: z.string(),
  scope: z.string(),
  name: z.string(),
  base: z.unknown(),
  sides: z.record(z.string(), z.unknown()),
  history: z.array(
    z.object({ id: z.number(), at: z.number(), source: z.string(), value: z.unknown() }),
  ),
  backups: z.array(
    z.object({
      id: z.number(),
      at: z.number(),
      client: z.string(),
      reason: z.string(),
      path: z.string(),
    }),
  ),
}).openapi("Item");
const Conflict = z.object({
  id: z.number(),
  key: z.string(),
  base: z.unknown(),
  sides: z.record(z.string(), z.unknown()),
  status: z.string(),
  createdAt: z.number(),
}).openapi("Conflict");
const Write = z.object({
  path: z.string(),
  clients: z.array(z.string()),
  backupId: z.number().optional(),
  remove: z.boolean(),
});
const Report = z.object({
  clients: z.record(
    z.string(),
    z.object({
      state: z.string(),
      errors: z.array(z.string()),
      notes: z.array(Note),
      writes: z.array(z.string()),
    }),
  ),
  changes: z.array(z.object({ key: z.string(), clients: z.array(z.string()), action: z.string() })),
  conflicts: z.array(
    z.object({
      key: z.string(),
      clients: z.array(z.string()),
      id: z.number().optional(),
      fields: z.array(z.string()),
    }),
  ),
  writes: z.array(Write),
  pending: z.array(Write),
  errors: z.array(z.string()),
}).openapi("SyncReport");
const Pending = z.object({
  path: z.string(),
  clients: z.array(z.string()),
  before: z.string(),
  after: z.string().nullable(),
}).openapi("PendingWrite");

/** A report without file contents (they hold secrets; the plans endpoint shows redacted diffs). */
function summary(r: SyncReport): z.infer<typeof Report> {
  const strip = (w: SyncReport["writes"][number]) => ({
    path: w.path,
    clients: w.clients,
    backupId: w.backupId,
    remove: w.after === null,
  });
  return { ...r, writes: r.writes.map(strip), pending: r.pending.map(strip) };
}

function known(c: Context<Env>, id: string): boolean {
  return c.get("web").app.host.plugins.some((p) => p.id === id);
}

/** The API sub-app (paths include `/api/v1`). */
export function apiRoutes(): OpenAPIHono<Env> {
  const api = new OpenAPIHono<Env>({
    defaultHook: (result, c) => {
      if (!result.success) {
        return c.json({
          error: "invalid_request",
          message: result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
        }, 422);
      }
    },
  });
  api.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "oauth2",
    description: "OAuth2 password flow: POST /api/v1/token, then `Authorization: Bearer <token>`",
    flows: { password: { tokenUrl: "/api/v1/token", scopes: {} } },
  });

  api.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/token",
      tags: ["auth"],
      summary: "Get an access token (OAuth2 password flow)",
      request: {
        body: {
          required: true,
          content: {
            "application/x-www-form-urlencoded": {
              schema: z.object({
                grant_type: z.string(),
                username: z.string(),
                password: z.string(),
              }),
            },
          },
        },
      },
      responses: {
        200: {
          description: "A bearer token",
          content: {
            "application/json": {
              schema: z.object({
                access_token: z.string(),
                token_type: z.literal("bearer"),
                expires_in: z.number(),
              }),
            },
          },
        },
        400: {
          description: "Wrong grant type or credentials (RFC 6749 §5.2)",
          content: {
            "application/json": {
              schema: z.object({ error: z.string(), error_description: z.string() }),
            },
          },
        },
        429: { description: "Too many failed attempts" },
      },
    }),
    async (c) => {
      const f = c.req.valid("form");
      c.header("Cache-Control", "no-store");
      if (f.grant_type !== "password") {
        return c.json({
          error: "unsupported_grant_type",
          error_description: "Use grant_type=password",
        }, 400);
      }
      const res = await attemptLogin(c, f.username, f.password);
      if (res.ok) {
        const t = await c.get("web").auth.issue(res.userId, "bearer");
        return c.json({
          access_token: t.token,
          token_type: "bearer" as const,
          expires_in: Math.round((t.expiresAt - Date.now()) / 1000),
        }, 200);
      }
      if (res.retryAfterMs) {
        c.header("Retry-After", String(Math.ceil(res.retryAfterMs / 1000)));
        return c.json(
          { error: "slow_down", error_description: "Too many failed attempts" },
          429,
        ) as never;
      }
      return c.json(
        { error: "invalid_grant", error_description: "Wrong user name or password" },
        400,
      );
    },
  );

  api.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/clients",
      tags: ["clients"],
      summary: "Every client with its state, counts, lossy notes and errors",
      security,
      responses: json(z.object({ clients: z.array(Card) }), "The clients"),
    }),
    async (c) => c.json({ clients: await c.get("web").overview.cards() }, 200),
  );

  api.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/clients/{id}",
      tags: ["clients"],
      summary: "One client",
      security,
      request: { params: z.object({ id: z.string() }) },
      responses: { ...json(Card, "The client"), 404: { description: "No such client" } },
    }),
    async (c) => {
      const card = await c.get("web").overview.card(c.req.valid("param").id);
      return card ? c.json(card, 200) : c.json({ error: "not_found" }, 404) as never;
    },
  );

  api.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/items",
      tags: ["items"],
      summary: "Every item in the base",
      security,
      responses: json(z.object({ items: z.array(ItemSummary) }), "The items"),
    }),
    async (c) => c.json({ items: await listItems(c.get("web").app) }, 200),
  );

  api.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/items/{key}",
      tags: ["items"],
      summary: "One item: base, each client's value, history, backups (secrets masked)",
      security,
      request: { params: z.object({ key: z.string().openapi({ example: "mcp:user:github" }) }) },
      responses: { ...json(ItemDetail, "The item"), 404: { description: "No such item" } },
    }),
    async (c) => {
      const item = await itemDetail(c.get("web").app, c.req.valid("param").key);
      return item ? c.json(item, 200) : c.json({ error: "not_found" }, 404) as never;
    },
  );

  api.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/conflicts",
      tags: ["conflicts"],
      summary: "Open and recently resolved conflicts (secrets masked)",
      security,
      responses: json(
        z.object({ open: z.array(Conflict), resolved: z.array(Conflict) }),
        "The conflicts",
      ),
    }),
    async (c) => c.json(await conflictLists(c.get("web")), 200),
  );

  api.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/conflicts/{id}/resolve",
      tags: ["conflicts"],
      summary: "Resolve a conflict by taking a client's value or giving one; then sync",
      security,
      request: {
        params: z.object({ id: z.coerce.number().int() }),
        body: {
          required: true,
          content: {
            "application/json": {
              schema: z.union([
                z.object({ take: z.string() }),
                z.object({
                  value: z.unknown().openapi({ description: "`****` keeps a masked secret" }),
                }),
              ]),
            },
          },
        },
      },
      responses: {
        ...json(Report, "The sync that followed"),
        404: { description: "No such open conflict" },
        422: { description: "Bad choice or value" },
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const body = c.req.valid("json") as { take: string } | { value: unknown };
      try {
        return c.json(summary(await resolveConflict(c.get("web"), id, body)), 200);
      } catch (e) {
        const status = e instanceof RangeError ? 404 : 422;
        return c.json({
          error: status === 404 ? "not_found" : "invalid_request",
          message: (e as Error).message,
        }, status) as never;
      }
    },
  );

  api.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/policies",
      tags: ["policies"],
      summary: "Every client's sync policy",
      security,
      responses: json(z.object({ policies: z.record(z.string(), PolicySchema) }), "The policies"),
    }),
    async (c) => {
      const { app } = c.get("web");
      const p = await app.state.policies(app.host.plugins.map((x) => x.id));
      return c.json({ policies: Object.fromEntries(p) }, 200);
    },
  );

  api.openapi(
    createRoute({
      method: "put",
      path: "/api/v1/policies/{client}",
      tags: ["policies"],
      summary: "Set one client's sync policy",
      security,
      request: {
        params: z.object({ client: z.string() }),
        body: { required: true, content: { "application/json": { schema: PolicySchema } } },
      },
      responses: {
        ...json(PolicySchema, "The stored policy"),
        404: { description: "No such client" },
      },
    }),
    async (c) => {
      const { client } = c.req.valid("param");
      if (!known(c, client)) return c.json({ error: "not_found" }, 404) as never;
      const web = c.get("web");
      const policy = Policy.parse(c.req.valid("json"));
      await web.app.state.setPolicy(client, policy);
      web.overview.invalidate();
      return c.json(policy, 200);
    },
  );

  api.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/sync",
      tags: ["sync"],
      summary: "Sync now (or a dry run); file contents are left out",
      security,
      request: {
        body: {
          required: false,
          content: {
            "application/json": {
              schema: z.object({ dryRun: z.boolean().optional(), prefer: z.string().optional() }),
            },
          },
        },
      },
      responses: json(Report, "What the sync found and did"),
    }),
    async (c) => {
      const web = c.get("web");
      const body = c.req.header("content-type")?.includes("json") ? c.req.valid("json") : {};
      if (body.prefer && !known(c, body.prefer)) {
        return c.json(
          { error: "invalid_request", message: `Unknown client "${body.prefer}"` },
          422,
        ) as never;
      }
      const r = await web.app.engine.sync({
        dryRun: body.dryRun,
        prefer: body.prefer,
        trigger: "api",
      });
      return c.json(summary(r), 200);
    },
  );

  api.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/plans",
      tags: ["sync"],
      summary: "Writes waiting for approval, per ask-first client (secrets redacted)",
      security,
      responses: json(z.object({ plans: z.record(z.string(), z.array(Pending)) }), "The plans"),
    }),
    async (c) => c.json({ plans: await pendingPlans(c.get("web")) }, 200),
  );

  api.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/plans/{client}/apply",
      tags: ["sync"],
      summary: "Apply an ask-first client's pending plan",
      security,
      request: { params: z.object({ client: z.string() }) },
      responses: {
        ...json(Report, "The sync that applied it"),
        404: { description: "No such client" },
      },
    }),
    async (c) => {
      const { client } = c.req.valid("param");
      if (!known(c, client)) return c.json({ error: "not_found" }, 404) as never;
      const r = await c.get("web").app.engine.sync({ trigger: "api", approve: [client] });
      return c.json(summary(r), 200);
    },
  );

  const info = {
    openapi: "3.1.0",
    info: {
      title: "aisync API",
      version: "1",
      description:
        "Keeps AI coding clients' MCP servers and instructions in step. Get a token with the OAuth2 password flow (POST /api/v1/token), then send `Authorization: Bearer <token>`. Live events: GET /events (Server-Sent Events; `?only=bus` for JSON events only).",
    },
  };
  api.doc31("/api/v1/openapi.json", info);

  api.get("/api/docs", (c) => {
    const doc = api.getOpenAPI31Document(info);
    return page(c, { title: "API", active: "api" }, <ApiDocs doc={doc as never} />);
  });

  return api;
}
