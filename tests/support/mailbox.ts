import http from "node:http";
import type { AddressInfo } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";
import { smtpChannel, webhookSmsChannel, type Channels } from "../../workers/notifications/channels";

/**
 * A real SMTP server (smtp-server) and a real HTTP endpoint standing in for the SMS provider;
 * what arrives is parsed and kept. nodemailer resolves only after the server accepted a mail,
 * and the server accepts after parsing it, so a send that resolved is already in `mail`.
 */
export interface Mailbox {
  channels: Channels;
  mail: ParsedMail[];
  sms: { to: string; text: string }[];
  to(email: string): ParsedMail[];
  smsTo(phone: string): { to: string; text: string }[];
  close(): Promise<void>;
}

export async function startMailbox(): Promise<Mailbox> {
  const mail: ParsedMail[] = [];
  const sms: { to: string; text: string }[] = [];
  const smtp = new SMTPServer({
    authOptional: true, disabledCommands: ["STARTTLS", "AUTH"], logger: false,
    onData(stream, _session, done) {
      simpleParser(stream).then((m) => { mail.push(m); done(); }, done);
    },
  });
  await new Promise<void>((r) => smtp.listen(0, "127.0.0.1", () => r()));
  const smsServer = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => { sms.push(JSON.parse(body) as { to: string; text: string }); res.writeHead(202).end(); });
  });
  await new Promise<void>((r) => smsServer.listen(0, "127.0.0.1", () => r()));
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  const smsPort = (smsServer.address() as AddressInfo).port;
  return {
    channels: { email: smtpChannel(`smtp://127.0.0.1:${smtpPort}`), sms: webhookSmsChannel(`http://127.0.0.1:${smsPort}/sms`) },
    mail, sms,
    to: (email) => mail.filter((m) => m.to && !Array.isArray(m.to) && m.to.value[0]?.address === email),
    smsTo: (phone) => sms.filter((s) => s.to === phone),
    close: async () => {
      await new Promise<void>((r) => smtp.close(() => r()));
      await new Promise<void>((r) => smsServer.close(() => r()));
    },
  };
}

/** Text a notification must never show: a missing value printed as-is. */
export const JUNK = [/undefined/, /NaN/, /\[object Object\]/, /Invalid Date/, /null/, /: -\s*$/m, /: -<\/p>/];
