// The customer flows through Medusa's official JS SDK (@medusajs/js-sdk 2.21.2), unchanged, against any backend:
// sign-up, log-in, the profile, the address book, log-out with a token and with a cookie session, and a password
// reset finished with the token the backend's events webhook delivers.
// Usage: [JS_SDK_WEBHOOK_PORT=PORT JS_SDK_WEBHOOK_SECRET=SECRET] node check.mjs BASE_URL PUBLISHABLE_KEY [WEBHOOK_PORT]
//   (run where @medusajs/js-sdk is installed). With a webhook port it receives the backend's events on
//   http://127.0.0.1:PORT (the backend's EVENTS_WEBHOOK_URL, signed with EVENTS_WEBHOOK_SECRET = the secret here; the
//   secret is read from the environment only, as argv is visible to every process). Without one the reset is skipped,
//   unless CI is set: then the check fails, as nothing may be skipped there.
// Exits non-zero on the first step that does not behave as with Medusa.
import assert from "node:assert/strict"
import { createHmac, timingSafeEqual } from "node:crypto"
import { createServer } from "node:http"
import Medusa from "@medusajs/js-sdk"

const [baseUrl, publishableKey, portArgument] = process.argv.slice(2)
if (!baseUrl || !publishableKey) {
  console.error("usage: node check.mjs BASE_URL PUBLISHABLE_KEY [WEBHOOK_PORT]")
  process.exit(2)
}
const webhookPort = portArgument ?? process.env.JS_SDK_WEBHOOK_PORT
const webhookSecret = process.env.JS_SDK_WEBHOOK_SECRET
const isCi = !["", "0", "false"].includes((process.env.CI ?? "").toLowerCase())
if (webhookPort && !webhookSecret) {
  console.error("js-sdk: a webhook port needs JS_SDK_WEBHOOK_SECRET, the backend's EVENTS_WEBHOOK_SECRET")
  process.exit(2)
}
if (!webhookPort && isCi) {
  console.error("js-sdk: password reset: cannot run without a webhook (JS_SDK_WEBHOOK_PORT), and CI skips nothing")
  process.exit(1)
}

// The events webhook's receiver: every POST, its signature checked (`sha256=` hex HMAC-SHA256 of the body), is kept in
// `webhook.events` (a badly signed one is answered 401 and kept in `webhook.refused`). It answers 204 to the rest, so
// events meant for other runs are taken too, and a backend that retries stops retrying.
const webhook = { events: [], refused: [], waiters: new Set() }
const signatureOf = (body) => `sha256=${createHmac("sha256", webhookSecret).update(body).digest("hex")}`
const receiver = createServer((request, response) => {
  const chunks = []
  request.on("data", (chunk) => chunks.push(chunk))
  request.on("end", () => {
    const body = Buffer.concat(chunks)
    const given = Buffer.from(request.headers["x-webhook-signature"] ?? "")
    const wanted = Buffer.from(signatureOf(body))
    if (request.method !== "POST" || given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
      webhook.refused.push(`${request.method} ${request.url} (X-Webhook-Signature: ${given.length ? "wrong" : "none"})`)
      response.writeHead(401).end()
      for (const waiter of webhook.waiters) waiter()
      return
    }
    const event = JSON.parse(body)
    webhook.events.push({ ...event, headers: { event: request.headers["x-webhook-event"], id: request.headers["x-webhook-id"] } })
    response.writeHead(204).end()
    for (const waiter of webhook.waiters) waiter()
  })
})
if (webhookPort) await new Promise((resolve, reject) => receiver.once("error", reject).listen(+webhookPort, "127.0.0.1", resolve))
// The first event received that satisfies `matches`, waiting up to `seconds` for it.
const eventWhere = (matches, what, seconds = 20) =>
  new Promise((resolve, reject) => {
    const done = (settle, value) => {
      clearTimeout(timer)
      webhook.waiters.delete(look)
      settle(value)
    }
    const look = () => {
      const found = webhook.events.find(matches)
      if (found) done(resolve, found)
      else if (webhook.refused.length) done(reject, new Error(`a delivery was badly signed: ${webhook.refused[0]}`))
    }
    const timer = setTimeout(() => done(reject, new Error(`no ${what} reached the webhook in ${seconds} s`)), seconds * 1000)
    webhook.waiters.add(look)
    look()
  })

// Node's fetch keeps no cookies, and the SDK's `credentials: "include"` (its session mode) relies on the browser's jar.
// So the browser is played here, around the global fetch the SDK calls: a request sent with `credentials: "include"`
// carries the jar's cookies and stores the ones it is answered with (an expired one is removed); one sent with "omit"
// (JWT mode) does neither. `browser.cookies` null is plain Node, without a jar. Every request is also recorded.
// The last answer is kept (a copy, its body unread) in `browser.answer`.
const browser = { requests: [], cookies: null, answer: null }
const nodeFetch = globalThis.fetch
globalThis.fetch = async (input, init = {}) => {
  const url = new URL(input instanceof Request ? input.url : input)
  browser.requests.push(`${init.method ?? "GET"} ${url.pathname}`)
  const jar = init.credentials === "include" ? browser.cookies : null
  const headers = new Headers(init.headers)
  if (jar?.size) headers.set("cookie", [...jar].map(([name, value]) => `${name}=${value}`).join("; "))
  const response = await nodeFetch(input, { ...init, headers })
  browser.answer = response.clone()
  for (const line of jar ? response.headers.getSetCookie() : []) {
    const [pair, ...attributes] = line.split(";").map((part) => part.trim())
    const [name, value] = [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]
    const expires = attributes.find((a) => /^expires=/i.test(a))
    const expired = value === "" || (expires && Date.parse(expires.slice(8)) <= Date.now())
    expired ? jar.delete(name) : jar.set(name, value)
  }
  return response
}
const requestsDuring = async (run) => {
  const before = browser.requests.length
  await run()
  return browser.requests.slice(before)
}

const sdk = new Medusa({ baseUrl, publishableKey, auth: { type: "jwt", jwtTokenStorageMethod: "memory" } })
const email = `js-sdk-${Date.now()}-${Math.random().toString(16).slice(2, 8)}@example.com`
const password = "supersecret"
let passed = 0
async function step(name, run) {
  try {
    await run()
    passed += 1
  } catch (error) {
    console.error(`js-sdk: ${name}: ${error.message ?? error}`)
    process.exit(1)
  }
}

// What Medusa answers, as failures of the SDK's promise: FetchError's status and the body's message.
const failsWith = (status, message) => (error) => {
  assert.equal(error.status, status, `status (message: ${error.message})`)
  assert.equal(error.message, message)
  return true
}
// Medusa's key orders: the customer (GET and POST /me), an address read alone or listed, and one inside a customer.
const CUSTOMER_KEYS = ["id", "email", "company_name", "first_name", "last_name", "phone", "metadata", "has_account",
  "deleted_at", "created_at", "updated_at", "addresses"]
const ADDRESS_KEYS = ["id", "address_name", "company", "customer_id", "first_name", "last_name", "address_1", "address_2",
  "city", "province", "postal_code", "country_code", "phone", "metadata", "is_default_shipping", "is_default_billing",
  "created_at", "updated_at"]
const NESTED_ADDRESS_KEYS = ["id", "address_name", "is_default_shipping", "is_default_billing", "company", "first_name",
  "last_name", "address_1", "address_2", "city", "country_code", "province", "postal_code", "phone", "metadata",
  "customer_id", "created_at", "updated_at", "deleted_at"]
// The address book as `customer.addresses` holds it (in no set order): name -> [default shipping, default billing].
const defaults = (customer) =>
  Object.fromEntries(customer.addresses.map((a) => [a.address_name, [a.is_default_shipping, a.is_default_billing]]))
const named = (customer, name) => customer.addresses.find((a) => a.address_name === name)

let registration
let customer
await step("register", async () => {
  registration = await sdk.auth.register("customer", "emailpass", { email, password })
  assert.equal(typeof registration, "string")
})
await step("create the customer", async () => {
  ;({ customer } = await sdk.store.customer.create(
    { email, first_name: "Ada", metadata: { source: "js-sdk" } },
    {},
    { Authorization: `Bearer ${registration}` }
  ))
  assert.match(customer.id, /^cus_/)
  assert.equal(customer.email, email)
  assert.equal(customer.first_name, "Ada")
  assert.equal(customer.has_account, true)
})
await step("a second create with the same email is refused", async () => {
  const other = await sdk.auth.register("customer", "emailpass", { email: `other-${email}`, password })
  await assert.rejects(
    sdk.store.customer.create({ email }, {}, { Authorization: `Bearer ${other}` }),
    (error) => error.status === 422 && error.message === "Customer with this email already has an account"
  )
})
await step("log in", async () => {
  const token = await sdk.auth.login("customer", "emailpass", { email, password })
  assert.equal(typeof token, "string")
})
await step("read the customer back", async () => {
  const { customer: me } = await sdk.store.customer.retrieve()
  assert.equal(me.id, customer.id)
})
await step("refresh and read selected fields", async () => {
  await sdk.auth.refresh()
  const { customer: me } = await sdk.store.customer.retrieve({ fields: "email" })
  assert.deepEqual(Object.keys(me), ["email", "id"])
})
await step("update the profile", async () => {
  const { customer: me } = await sdk.store.customer.update({
    first_name: "Augusta",
    last_name: "King",
    company_name: "Analytical Engines",
    phone: "+44 20 7946 0000",
    metadata: { tier: "gold", note: "first" },
  })
  assert.deepEqual(Object.keys(me), CUSTOMER_KEYS)
  assert.equal(me.id, customer.id)
  assert.equal(me.email, email)
  assert.deepEqual(
    [me.first_name, me.last_name, me.company_name, me.phone],
    ["Augusta", "King", "Analytical Engines", "+44 20 7946 0000"]
  )
  assert.deepEqual(me.metadata, { source: "js-sdk", tier: "gold", note: "first" })
})
await step("profile metadata merges: a key set to \"\" is removed, one set to null is kept as null", async () => {
  const { customer: me } = await sdk.store.customer.update({ metadata: { source: "", note: null }, phone: null })
  assert.deepEqual(me.metadata, { tier: "gold", note: null })
  assert.equal(me.phone, null)
  assert.equal(me.first_name, "Augusta")
})
await step("the email cannot be changed through the profile", async () => {
  await assert.rejects(
    sdk.store.customer.update({ email: `changed-${email}` }),
    failsWith(400, "Invalid request: Unrecognized fields: 'email'")
  )
})

let home
let office
let cabin
await step("create an address: the answer is the whole customer", async () => {
  const { customer: me } = await sdk.store.customer.createAddress({
    address_name: "Home",
    address_1: "1 Rue de Rivoli",
    city: "Paris",
    country_code: "fr",
    postal_code: "75001",
    is_default_shipping: true,
    is_default_billing: true,
    metadata: { floor: "3", door: "B" },
  })
  assert.deepEqual(Object.keys(me), CUSTOMER_KEYS)
  assert.equal(me.id, customer.id)
  assert.equal(me.addresses.length, 1)
  home = named(me, "Home")
  assert.deepEqual(Object.keys(home), NESTED_ADDRESS_KEYS)
  assert.match(home.id, /^cuaddr_/)
  assert.equal(home.customer_id, customer.id)
  assert.equal(home.country_code, "fr")
  assert.deepEqual(home.metadata, { floor: "3", door: "B" })
  assert.deepEqual(defaults(me), { Home: [true, true] })
})
await step("a new default shipping address takes the flag from the old one", async () => {
  const { customer: me } = await sdk.store.customer.createAddress({
    address_name: "Office",
    city: "Lyon",
    country_code: "fr",
    is_default_shipping: true,
  })
  office = named(me, "Office")
  assert.deepEqual(defaults(me), { Home: [false, true], Office: [true, false] })
})
await step("an empty body makes an address of nulls, default for nothing", async () => {
  const { customer: me } = await sdk.store.customer.createAddress({})
  const blank = me.addresses.find((a) => a.address_name === null)
  assert.equal(blank.city, null)
  assert.deepEqual([blank.is_default_shipping, blank.is_default_billing], [false, false])
  await sdk.store.customer.deleteAddress(blank.id)
})
await step("a third address, with no default", async () => {
  const { customer: me } = await sdk.store.customer.createAddress({ address_name: "Cabin", city: "Annecy" })
  cabin = named(me, "Cabin")
  assert.deepEqual(defaults(me), { Home: [false, true], Office: [true, false], Cabin: [false, false] })
})
await step("list the addresses: 50 from 0 by default, by id", async () => {
  const page = await sdk.store.customer.listAddress()
  assert.deepEqual(Object.keys(page), ["addresses", "count", "offset", "limit"])
  assert.deepEqual([page.count, page.offset, page.limit], [3, 0, 50])
  const ids = page.addresses.map((a) => a.id)
  assert.deepEqual(ids, [...ids].sort())
  assert.deepEqual(new Set(ids), new Set([home.id, office.id, cabin.id]))
  assert.deepEqual(Object.keys(page.addresses[0]), ADDRESS_KEYS)
})
await step("list with limit, offset and order", async () => {
  const page = await sdk.store.customer.listAddress({ limit: 1, offset: 1, order: "city" })
  assert.deepEqual([page.count, page.offset, page.limit], [3, 1, 1])
  assert.deepEqual(page.addresses.map((a) => a.city), ["Lyon"])
  const reversed = await sdk.store.customer.listAddress({ order: "-city" })
  assert.deepEqual(reversed.addresses.map((a) => a.city), ["Paris", "Lyon", "Annecy"])
})
await step("list with q (any letter case) and with an exact filter", async () => {
  const found = await sdk.store.customer.listAddress({ q: "LYO" })
  assert.equal(found.count, 1)
  assert.deepEqual(found.addresses.map((a) => a.id), [office.id])
  const none = await sdk.store.customer.listAddress({ country_code: "FR" })
  assert.deepEqual([none.count, none.addresses], [0, []])
  const french = await sdk.store.customer.listAddress({ country_code: "fr", order: "city" })
  assert.deepEqual(french.addresses.map((a) => a.address_name), ["Office", "Home"])
})
await step("an unknown order field is refused", async () => {
  await assert.rejects(
    sdk.store.customer.listAddress({ order: "nope" }),
    failsWith(400, "Order field nope is not valid")
  )
})
await step("retrieve an address, whole and with fields", async () => {
  const { address } = await sdk.store.customer.retrieveAddress(home.id)
  assert.deepEqual(Object.keys(address), ADDRESS_KEYS)
  assert.equal(address.id, home.id)
  assert.equal(address.customer_id, customer.id)
  assert.deepEqual(
    [address.address_name, address.address_1, address.city, address.postal_code, address.country_code],
    ["Home", "1 Rue de Rivoli", "Paris", "75001", "fr"]
  )
  assert.deepEqual([address.is_default_shipping, address.is_default_billing], [false, true])
  const { address: city } = await sdk.store.customer.retrieveAddress(home.id, { fields: "city" })
  assert.deepEqual(city, { city: "Paris", id: home.id })
})
await step("update an address: default shipping moves back, metadata merges", async () => {
  const { customer: me } = await sdk.store.customer.updateAddress(home.id, {
    is_default_shipping: true,
    metadata: { door: "", code: "1234" },
  })
  assert.deepEqual(Object.keys(me), CUSTOMER_KEYS)
  assert.deepEqual(defaults(me), { Home: [true, true], Office: [false, false], Cabin: [false, false] })
  assert.deepEqual(named(me, "Home").metadata, { floor: "3", code: "1234" })
})
await step("update another address: default billing moves to it, shipping stays", async () => {
  const { customer: me } = await sdk.store.customer.updateAddress(office.id, {
    is_default_billing: true,
    phone: "+33 4 00 00 00 00",
  })
  assert.deepEqual(defaults(me), { Home: [true, false], Office: [false, true], Cabin: [false, false] })
  assert.equal(named(me, "Office").phone, "+33 4 00 00 00 00")
  assert.equal(named(me, "Office").city, "Lyon")
})
await step("delete an address: the answer names the customer, and no other address inherits its default", async () => {
  const deleted = await sdk.store.customer.deleteAddress(office.id)
  assert.deepEqual(Object.keys(deleted), ["id", "object", "deleted", "parent"])
  assert.deepEqual([deleted.id, deleted.object, deleted.deleted], [customer.id, "address", true])
  assert.deepEqual(Object.keys(deleted.parent), CUSTOMER_KEYS)
  assert.equal(deleted.parent.id, customer.id)
  assert.deepEqual(defaults(deleted.parent), { Home: [true, false], Cabin: [false, false] })
  await assert.rejects(
    sdk.store.customer.retrieveAddress(office.id),
    failsWith(404, `Address with id: ${office.id} was not found`)
  )
  const { count } = await sdk.store.customer.listAddress()
  assert.equal(count, 2)
})
await step("another customer's address is not found", async () => {
  const neighbour = new Medusa({ baseUrl, publishableKey, auth: { type: "jwt", jwtTokenStorageMethod: "memory" } })
  const neighbourEmail = `neighbour-${email}`
  await neighbour.auth.register("customer", "emailpass", { email: neighbourEmail, password })
  await neighbour.store.customer.create({ email: neighbourEmail })
  await neighbour.auth.login("customer", "emailpass", { email: neighbourEmail, password })
  const { customer: them } = await neighbour.store.customer.createAddress({ address_name: "Theirs", city: "Rome" })
  const theirs = named(them, "Theirs").id
  const notFound = failsWith(404, `Address with id: ${theirs} was not found`)
  await assert.rejects(sdk.store.customer.retrieveAddress(theirs), notFound)
  await assert.rejects(sdk.store.customer.updateAddress(theirs, { city: "Hacked" }), notFound)
  await assert.rejects(sdk.store.customer.deleteAddress(theirs), notFound)
  const { address } = await neighbour.store.customer.retrieveAddress(theirs)
  assert.equal(address.city, "Rome")
})
await step("a wrong password is refused", async () => {
  await assert.rejects(
    sdk.auth.login("customer", "emailpass", { email, password: "wrong" }),
    (error) => error.status === 401 && error.message === "Invalid email or password"
  )
})
await step("log out with a token: no request, the token is forgotten", async () => {
  const sent = await requestsDuring(() => sdk.auth.logout())
  assert.deepEqual(sent, [])
  assert.equal(await sdk.client.getToken(), "")
  const unauthenticated = await requestsDuring(() =>
    assert.rejects(sdk.store.customer.retrieve(), failsWith(401, "Unauthorized"))
  )
  assert.deepEqual(unauthenticated, ["GET /store/customers/me"])
})

// Session mode: login posts the token to /auth/session, which answers with the connect.sid cookie; the cookie is
// Secure, and Medusa sets it only behind TLS, so the SDK says so with X-Forwarded-Proto, as a TLS edge would.
const sessionSdk = () =>
  new Medusa({ baseUrl, publishableKey, auth: { type: "session" }, globalHeaders: { "x-forwarded-proto": "https" } })
await step("session mode in plain Node: the cookie is dropped, so the session cannot be used", async () => {
  const session = sessionSdk()
  browser.cookies = null
  const sent = await requestsDuring(async () => {
    assert.equal(typeof (await session.auth.login("customer", "emailpass", { email, password })), "string")
  })
  assert.deepEqual(sent, ["POST /auth/customer/emailpass", "POST /auth/session"])
  await assert.rejects(session.store.customer.retrieve(), failsWith(401, "Unauthorized"))
})
await step("session mode with a cookie jar: log in, read, log out (DELETE /auth/session), then refused", async () => {
  const session = sessionSdk()
  browser.cookies = new Map()
  await session.auth.login("customer", "emailpass", { email, password })
  const cookie = browser.cookies.get("connect.sid")
  assert.ok(cookie, "POST /auth/session set no connect.sid cookie")
  const { customer: me } = await session.store.customer.retrieve()
  assert.equal(me.id, customer.id)
  const sent = await requestsDuring(() => session.auth.logout())
  assert.deepEqual(sent, ["DELETE /auth/session"])
  assert.equal(browser.cookies.size, 0, "the logout's answer did not expire the cookie")
  await assert.rejects(session.store.customer.retrieve(), failsWith(401, "Unauthorized"))
  browser.cookies.set("connect.sid", cookie)
  await assert.rejects(session.store.customer.retrieve(), failsWith(401, "Unauthorized"))
  await assert.rejects(session.auth.logout(), failsWith(401, "Unauthorized"))
  browser.cookies = null
})

// Password reset: Medusa hands the token only to its event subscribers (`auth.password_reset`, as a storefront's
// mailer gets it); here it comes through the webhook. The SDK asks with `Accept: text/plain` and resolves to nothing.
// The reset answer, as the SDK got it: status, type and body.
const resetAnswer = async (identifier) => {
  assert.equal(await sdk.auth.resetPassword("customer", "emailpass", { identifier }), undefined)
  return [browser.answer.status, browser.answer.headers.get("content-type"), await browser.answer.text()]
}
const isResetOf = (identifier) => (event) => event.name === "auth.password_reset" && event.data?.entity_id === identifier
const newPassword = "another-secret"
if (!webhookPort) {
  console.log("js-sdk: password reset: skipped: no webhook (set JS_SDK_WEBHOOK_PORT and JS_SDK_WEBHOOK_SECRET)")
} else {
  let reset
  await step("the webhook got customer.created and customer.updated for the customer, signed", async () => {
    const created = await eventWhere((e) => e.name === "customer.created" && e.data?.id === customer.id, "customer.created")
    assert.deepEqual(Object.keys(created).filter((k) => k !== "headers"), ["id", "name", "data", "created_at"])
    assert.deepEqual(created.data, { id: customer.id })
    assert.deepEqual(created.headers, { event: "customer.created", id: created.id })
    assert.match(created.id, /^evt_/)
    assert.match(created.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    await eventWhere((e) => e.name === "customer.updated" && e.data?.id === customer.id, "customer.updated")
  })
  await step("ask for a reset: 201 Created, and the token arrives in auth.password_reset", async () => {
    assert.deepEqual(await resetAnswer(email), [201, "text/plain; charset=utf-8", "Created"])
    reset = await eventWhere(isResetOf(email), `auth.password_reset for ${email}`)
    assert.deepEqual(Object.keys(reset.data), ["entity_id", "actor_type", "token", "metadata"])
    assert.equal(reset.data.actor_type, "customer")
    assert.deepEqual(reset.data.metadata, {})
    assert.equal(typeof reset.data.token, "string")
    assert.deepEqual(reset.headers, { event: "auth.password_reset", id: reset.id })
  })
  await step("set a new password with the token", async () => {
    assert.equal(await sdk.auth.updateProvider("customer", "emailpass", { password: newPassword }, reset.data.token), undefined)
  })
  await step("after the reset the old password is refused and the new one logs in", async () => {
    await assert.rejects(
      sdk.auth.login("customer", "emailpass", { email, password }),
      failsWith(401, "Invalid email or password")
    )
    assert.equal(typeof (await sdk.auth.login("customer", "emailpass", { email, password: newPassword })), "string")
    const { customer: me } = await sdk.store.customer.retrieve()
    assert.equal(me.id, customer.id)
  })
  await step("the token cannot be used twice", async () => {
    await assert.rejects(
      sdk.auth.updateProvider("customer", "emailpass", { password: "third-secret" }, reset.data.token),
      failsWith(401, "Invalid token")
    )
    assert.equal(typeof (await sdk.auth.login("customer", "emailpass", { email, password: newPassword })), "string")
  })
  await step("a reset for an unknown email answers the same and sends no event", async () => {
    const unknown = `unknown-${email}`
    assert.deepEqual(await resetAnswer(unknown), [201, "text/plain; charset=utf-8", "Created"])
    // A reset asked afterwards for the known email marks when the unknown one's event would have arrived.
    await resetAnswer(email)
    await eventWhere((e) => isResetOf(email)(e) && e.id !== reset.id, `a second auth.password_reset for ${email}`)
    await new Promise((resolve) => setTimeout(resolve, 500))
    assert.deepEqual(webhook.events.filter(isResetOf(unknown)), [])
  })
  await step("every delivery was signed with the secret", async () => {
    assert.deepEqual(webhook.refused, [])
  })
  receiver.closeAllConnections()
  receiver.close()
}
console.log(`js-sdk: ${passed} passed, 0 failed`)
