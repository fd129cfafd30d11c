/**
 * Resolves a manifest's declared paths (`~`, `${VAR:-fallback}`, `{project}`, per-OS variants)
 * into absolute paths. The host does this so plugins never see the environment.
 *
 * @module
 */
import type { Context, Files, Manifest, ProjectPaths } from "../plugins/_contract.ts";
import { toBase64 } from "./files.ts";

/** The environment a plugin's paths are resolved in. */
export interface PathEnv {
  home: string;
  os: Context["os"];
  /** Environment variables the manifest names; missing ones take their fallback. */
  env: Record<string, string | undefined>;
}

/** The current process's path environment (`HOME` decides where clients' files are). */
export function currentPathEnv(names: string[] = []): PathEnv {
  const os = Deno.build.os === "windows"
    ? "windows"
    : Deno.build.os === "darwin"
    ? "darwin"
    : "linux";
  const home = Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE") ?? "/";
  const env: Record<string, string | undefined> = {};
  for (const n of names) env[n] = Deno.env.get(n);
  return { home, os, env };
}

function pick(
  spec: Manifest["paths"]["user"][string],
  os: Context["os"],
): string | undefined {
  if (typeof spec === "string") return spec;
  return spec[os] ?? spec.default;
}

/** Expands one path template; returns `undefined` when it has no variant for this OS. */
export function expandPath(
  template: string,
  penv: PathEnv,
  project?: string,
): string {
  let p = template.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
    (_, name: string, fallback?: string) => penv.env[name] || fallback || "",
  );
  if (project !== undefined) p = p.replaceAll("{project}", project);
  if (p === "~" || p.startsWith("~/")) p = penv.home + p.slice(1);
  return normalize(p);
}

function normalize(p: string): string {
  const abs = p.startsWith("/");
  const parts: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return (abs ? "/" : "") + parts.join("/");
}

/** Resolves every declared path of a manifest for the given projects. */
export function resolvePaths(
  manifest: Manifest,
  penv: PathEnv,
  projects: string[],
): { paths: Record<string, string>; projects: ProjectPaths[] } {
  const paths: Record<string, string> = {};
  for (const [name, spec] of Object.entries(manifest.paths.user)) {
    const t = pick(spec, penv.os);
    if (t) paths[name] = expandPath(t, penv);
  }
  const out: ProjectPaths[] = [];
  if (manifest.paths.project) {
    for (const root of projects) {
      const pp: Record<string, string> = {};
      for (const [name, spec] of Object.entries(manifest.paths.project)) {
        const t = pick(spec, penv.os);
        if (t) pp[name] = expandPath(t, penv, root);
      }
      out.push({ root, paths: pp });
    }
  }
  return { paths, projects: out };
}

/** Where to look for the client on this machine: its manifest's `home` paths, resolved. */
export function homePaths(manifest: Manifest, penv: PathEnv): string[] {
  return (manifest.home ?? []).flatMap((spec) => {
    const t = pick(spec, penv.os);
    return t ? [expandPath(t, penv)] : [];
  });
}

/** Every absolute path a plugin may read: the Worker's read permission, exactly. */
export function allowedPaths(
  resolved: { paths: Record<string, string>; projects: ProjectPaths[] },
) {
  return [
    ...Object.values(resolved.paths),
    ...resolved.projects.flatMap((p) => Object.values(p.paths)),
  ];
}

/** True when `path` is one of `allowed` or inside one of them. */
export function isInside(path: string, allowed: string[]): boolean {
  const p = normalize(path);
  return allowed.some((a) => p === a || p.startsWith(a.endsWith("/") ? a : a + "/"));
}

/** `Files` backed by the real disk (the sandbox, not this code, confines it in a Worker). */
export function diskFiles(): Files {
  return {
    async read(path) {
      try {
        return await Deno.readTextFile(path);
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) return undefined;
        if (e instanceof Deno.errors.IsADirectory) return undefined;
        throw e;
      }
    },
    async readBase64(path) {
      try {
        return toBase64(await Deno.readFile(path));
      } catch (e) {
        if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.IsADirectory) {
          return undefined;
        }
        throw e;
      }
    },
    async stat(path) {
      try {
        const i = await Deno.stat(path);
        return { isFile: i.isFile, isDirectory: i.isDirectory, mode: i.mode ?? undefined };
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) return undefined;
        throw e;
      }
    },
    async list(path) {
      const names: string[] = [];
      try {
        for await (const e of Deno.readDir(path)) names.push(e.name);
      } catch (e) {
        if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return [];
        throw e;
      }
      return names.sort();
    },
  };
}
