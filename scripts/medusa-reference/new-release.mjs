// Creates scripts/medusa-reference/releases/<VERSION>/{package.json,package-lock.json} for a stock Medusa release.
// Usage: node new-release.mjs VERSION
//   Run it again to regenerate the lock file: an existing package.json in the release folder is kept (hand edits win).
//   The lock file is resolved with `npm install --package-lock-only` and holds no download addresses (`resolved`).
// A stock release has every @medusajs/* package of its release train at VERSION. Early releases (2.0.x) depend on
// `^2.0.x` ranges, so npm would pull in newer modules: every @medusajs/* package that a package of the release requires
// with a range VERSION satisfies, but that resolved to another version, is pinned with npm `overrides`, and the
// framework's exact peer dependencies become direct dependencies (as that release's starter did). Repeats until the
// tree is stock.
// A dependency of the template that conflicts with a peer requirement of @medusajs/medusa or @medusajs/framework at
// VERSION takes that requirement instead.
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const npmRoot = execFileSync("npm", ["root", "-g"], { encoding: "utf8" }).trim()
const semver = createRequire(join(npmRoot, "npm", "package.json"))("semver")

const version = process.argv[2]
if (!version || !semver.valid(version)) {
  console.error("usage: node new-release.mjs VERSION")
  process.exit(2)
}
const dir = join(dirname(fileURLToPath(import.meta.url)), "releases", version)
const pkgFile = join(dir, "package.json")
mkdirSync(dir, { recursive: true })

const pkg = existsSync(pkgFile)
  ? JSON.parse(readFileSync(pkgFile, "utf8"))
  : {
      name: "medusa-reference",
      version: "0.0.0",
      private: true,
      description: `A real Medusa ${version}, the reference for behaviour (installed by scripts/medusa-reference/start.sh)`,
      scripts: { start: "medusa start" },
      dependencies: {
        "@medusajs/cli": version,
        "@medusajs/framework": version,
        "@medusajs/medusa": version,
        pg: "^8.13.0",
      },
      devDependencies: { "@swc/core": "^1.7.28", "@types/node": "^20.0.0", "ts-node": "^10.9.2", typescript: "^5.6.2" },
      engines: { node: ">=20" },
    }

// Exact peer requirements of the release's own packages win over the template's ranges (2.8.x wants @swc/core 1.5.7).
if (!existsSync(pkgFile)) {
  for (const main of ["@medusajs/medusa", "@medusajs/framework"]) {
    const out = execFileSync("npm", ["view", `${main}@${version}`, "peerDependencies", "--json"], { encoding: "utf8" })
    for (const [peer, range] of Object.entries(out.trim() ? JSON.parse(out) : {})) {
      for (const deps of [pkg.dependencies, pkg.devDependencies]) {
        if (deps[peer] && !semver.intersects(deps[peer], range)) deps[peer] = range
      }
    }
  }
}

const nameOf = (key) => key.slice(key.lastIndexOf("node_modules/") + "node_modules/".length)

function resolveLock() {
  const work = mkdtempSync(join(tmpdir(), "medusa-lock-"))
  try {
    writeFileSync(join(work, "package.json"), JSON.stringify(pkg, null, 2) + "\n")
    execFileSync(
      "nice",
      ["-n", "10", "npm", "install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund",
        "--omit-lockfile-registry-resolved", "--loglevel=error"],
      { cwd: work, stdio: ["ignore", "inherit", "inherit"] },
    )
    return JSON.parse(readFileSync(join(work, "package-lock.json"), "utf8"))
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

// @medusajs/* packages that a package of the release (the project, or a @medusajs/* package at `version`) requires
// with a range that `version` satisfies, but that resolved to another version.
function drifted(lock) {
  const out = new Set()
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (key !== "" && !(nameOf(key).startsWith("@medusajs/") && entry.version === version)) continue
    for (const [dep, range] of Object.entries({ ...entry.dependencies, ...entry.peerDependencies })) {
      if (!dep.startsWith("@medusajs/") || !semver.satisfies(version, range)) continue
      const hits = Object.entries(lock.packages).filter(([k]) => nameOf(k) === dep)
      if (hits.some(([, e]) => e.version !== version)) out.add(dep)
    }
  }
  return [...out].sort()
}

let lock
for (let round = 1; ; round++) {
  lock = resolveLock()
  const pins = drifted(lock).filter((name) => pkg.overrides?.[name] !== version)
  if (pins.length === 0) break
  if (round === 8) throw new Error(`still not stock after ${round} rounds: ${pins.join(", ")}`)
  console.error(`round ${round}: pinning ${pins.join(", ")} to ${version}`)
  pkg.overrides = { ...pkg.overrides }
  for (const name of pins) pkg.overrides[name] = version
  const framework = lock.packages["node_modules/@medusajs/framework"] ?? {}
  for (const [peer, range] of Object.entries(framework.peerDependencies ?? {})) {
    if (peer.startsWith("@medusajs/") || framework.peerDependenciesMeta?.[peer]?.optional) continue
    if (semver.valid(range) && !pkg.dependencies[peer]) pkg.dependencies[peer] = range
  }
  pkg.overrides = Object.fromEntries(Object.entries(pkg.overrides).sort(([a], [b]) => a.localeCompare(b)))
  pkg.dependencies = Object.fromEntries(Object.entries(pkg.dependencies).sort(([a], [b]) => a.localeCompare(b)))
}

for (const entry of Object.values(lock.packages)) delete entry.resolved
writeFileSync(pkgFile, JSON.stringify(pkg, null, 2) + "\n")
writeFileSync(join(dir, "package-lock.json"), JSON.stringify(lock, null, 2) + "\n")
const medusa = new Map()
for (const [k, e] of Object.entries(lock.packages)) if (nameOf(k).startsWith("@medusajs/")) medusa.set(`${nameOf(k)}@${e.version}`, 1)
const others = [...medusa.keys()].filter((k) => !k.endsWith(`@${version}`))
console.log(`${dir}: ${Object.keys(lock.packages).length - 1} packages, ${medusa.size} @medusajs/* ` +
  `(not at ${version}: ${others.join(", ") || "none"})`)
