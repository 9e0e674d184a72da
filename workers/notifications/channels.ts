import nodemailer from "nodemailer";

/** How a notification leaves: email over SMTP, SMS through a webhook-style provider. */
export interface EmailChannel { send(m: { to: string; subject: string; text: string; html: string }): Promise<void> }
export interface SmsChannel { send(m: { to: string; text: string }): Promise<void> }
export interface Channels { email: EmailChannel | null; sms: SmsChannel | null }

export function smtpChannel(smtpUrl: string, from = "Ticketing Pro <no-reply@ticketing.pro>"): EmailChannel {
  const transport = nodemailer.createTransport(smtpUrl);
  return { send: async (m) => { await transport.sendMail({ from, ...m }); } };
}

/** SMS providers mostly take a JSON POST; this is that shape, pointed at SMS_WEBHOOK_URL. */
export function webhookSmsChannel(url: string, token?: string): SmsChannel {
  return {
    send: async (m) => {
      const res = await fetch(url, {
        method: "POST", headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ to: m.to, text: m.text }), signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) throw new Error(`SMS provider answered ${res.status}`);
    },
  };
}

/** From the environment: SMTP_URL and SMS_WEBHOOK_URL; without them the notifications table is the mailbox. */
export function channelsFromEnv(env: NodeJS.ProcessEnv): Channels {
  return {
    email: env.SMTP_URL ? smtpChannel(env.SMTP_URL) : null,
    sms: env.SMS_WEBHOOK_URL ? webhookSmsChannel(env.SMS_WEBHOOK_URL, env.SMS_WEBHOOK_TOKEN) : null,
  };
}
