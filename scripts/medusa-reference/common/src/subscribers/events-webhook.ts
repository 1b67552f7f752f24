// Forwards Medusa's customer events to EVENTS_WEBHOOK_URL, as our server does: stock Medusa hands a password-reset
// token only to subscribers of `auth.password_reset` (a deployment's subscriber mails it), so without this file a
// reset cannot be finished against the reference. One receiver serves both backends: the same POSTed JSON
// `{"id","name","data","created_at"}` and the same headers, `X-Webhook-Event`, `X-Webhook-Id` and
// `X-Webhook-Signature: sha256=<hex HMAC-SHA256 of the body under EVENTS_WEBHOOK_SECRET>`.
// Unlike our server's outbox it tries once: Medusa's in-memory event bus does not retry. Without EVENTS_WEBHOOK_URL
// it does nothing, and it never throws: a release whose subscriber arguments differ from `{ event: { name, data } }`
// (2.0.7 through 2.21.2 share them) gets a no-op, never a failed start.
// Node built-ins only (crypto, fetch), so that it loads on every 2.x release.
import { createHmac, randomBytes } from "crypto"

export default async function eventsWebhook(args: any) {
  const url = process.env.EVENTS_WEBHOOK_URL
  const name = args?.event?.name
  if (!url || typeof name !== "string") return
  const id = `evt_${randomBytes(13).toString("hex").toUpperCase()}`
  const body = JSON.stringify({
    id,
    name,
    data: args.event.data ?? {},
    created_at: new Date().toISOString(),
  })
  const signature = createHmac("sha256", process.env.EVENTS_WEBHOOK_SECRET ?? "").update(body).digest("hex")
  try {
    const answer = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-webhook-event": name,
        "x-webhook-id": id,
        "x-webhook-signature": `sha256=${signature}`,
      },
      body,
      signal: AbortSignal.timeout(10_000),
    })
    if (!answer.ok) console.warn(`events-webhook: ${name} not delivered: the receiver answered ${answer.status}`)
  } catch (error: any) {
    // The event's data is never logged: auth.password_reset carries the token.
    console.warn(`events-webhook: ${name} not delivered: ${error?.message ?? error}`)
  }
}

export const config = {
  event: ["auth.password_reset", "customer.created", "customer.updated"],
  context: { subscriberId: "events-webhook" },
}
