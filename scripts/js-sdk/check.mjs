// The sign-up flow through Medusa's official JS SDK (@medusajs/js-sdk 2.21.2), unchanged, against any backend.
// Usage: node check.mjs BASE_URL PUBLISHABLE_KEY   (run where @medusajs/js-sdk is installed)
// Exits non-zero on the first step that does not behave as with Medusa.
import assert from "node:assert/strict"
import Medusa from "@medusajs/js-sdk"

const [baseUrl, publishableKey] = process.argv.slice(2)
if (!baseUrl || !publishableKey) {
  console.error("usage: node check.mjs BASE_URL PUBLISHABLE_KEY")
  process.exit(2)
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
await step("a wrong password is refused", async () => {
  await assert.rejects(
    sdk.auth.login("customer", "emailpass", { email, password: "wrong" }),
    (error) => error.status === 401 && error.message === "Invalid email or password"
  )
})
await step("log out", async () => {
  await sdk.auth.logout()
  await assert.rejects(sdk.store.customer.retrieve(), (error) => error.status === 401)
})
console.log(`js-sdk: ${passed} passed, 0 failed`)
