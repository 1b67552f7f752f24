// The customer flows through Medusa's official JS SDK (@medusajs/js-sdk 2.21.2), unchanged, against any backend:
// sign-up, log-in, the profile, the address book, and log-out with a token and with a cookie session.
// Usage: node check.mjs BASE_URL PUBLISHABLE_KEY   (run where @medusajs/js-sdk is installed)
// Exits non-zero on the first step that does not behave as with Medusa.
import assert from "node:assert/strict"
import Medusa from "@medusajs/js-sdk"

const [baseUrl, publishableKey] = process.argv.slice(2)
if (!baseUrl || !publishableKey) {
  console.error("usage: node check.mjs BASE_URL PUBLISHABLE_KEY")
  process.exit(2)
}
// Node's fetch keeps no cookies, and the SDK's `credentials: "include"` (its session mode) relies on the browser's jar.
// So the browser is played here, around the global fetch the SDK calls: a request sent with `credentials: "include"`
// carries the jar's cookies and stores the ones it is answered with (an expired one is removed); one sent with "omit"
// (JWT mode) does neither. `browser.cookies` null is plain Node, without a jar. Every request is also recorded.
const browser = { requests: [], cookies: null }
const nodeFetch = globalThis.fetch
globalThis.fetch = async (input, init = {}) => {
  const url = new URL(input instanceof Request ? input.url : input)
  browser.requests.push(`${init.method ?? "GET"} ${url.pathname}`)
  const jar = init.credentials === "include" ? browser.cookies : null
  const headers = new Headers(init.headers)
  if (jar?.size) headers.set("cookie", [...jar].map(([name, value]) => `${name}=${value}`).join("; "))
  const response = await nodeFetch(input, { ...init, headers })
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
console.log(`js-sdk: ${passed} passed, 0 failed`)
