// Creates (or reuses) the publishable key, a revoked key and a guest customer through the admin API.
// Reads MEDUSA_BASE_URL and MEDUSA_ADMIN_TOKEN; prints env lines on stdout.
// `node provision.mjs guest EMAIL` creates one more guest customer (no account) and prints its email.
const base = process.env.MEDUSA_BASE_URL
const headers = { authorization: `Bearer ${process.env.MEDUSA_ADMIN_TOKEN}`, "content-type": "application/json" }
const GUEST = "guest@example.com"

async function api(method, path, body) {
  const res = await fetch(base + path, { method, headers, body: body && JSON.stringify(body) })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${path} -> ${res.status} ${text}`)
  return JSON.parse(text)
}

async function key(title, revoked) {
  const { api_keys } = await api("GET", "/admin/api-keys?type=publishable&limit=1000")
  let k = api_keys.find((k) => k.title === title && !!k.revoked_at === revoked)
  if (!k) {
    k = (await api("POST", "/admin/api-keys", { title, type: "publishable" })).api_key
    if (revoked) k = (await api("POST", `/admin/api-keys/${k.id}/revoke`, {})).api_key
  }
  return k.token
}

if (process.argv[2] === "guest") {
  const email = process.argv[3]
  await api("POST", "/admin/customers", { email })
  console.log(email)
  process.exit(0)
}

const pk = await key("medusa-reference", false)
const revoked = await key("medusa-reference-revoked", true)
const { customers } = await api("GET", `/admin/customers?email=${encodeURIComponent(GUEST)}&limit=100`)
if (!customers.some((c) => !c.has_account)) await api("POST", "/admin/customers", { email: GUEST })
console.log(`MEDUSA_PUBLISHABLE_KEY=${pk}\nMEDUSA_REVOKED_KEY=${revoked}\nMEDUSA_GUEST_EMAIL=${GUEST}`)
