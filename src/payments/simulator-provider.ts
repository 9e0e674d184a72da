import type { PaymentSimulator } from "../../durable-objects/payment-simulator";
import { ProviderRefusal, type CreateIntentInput, type IntentInfo, type PaymentProvider } from "./provider";

/** The simulator behind the provider interface; webhooks go to `webhookUrl` (our own endpoint). */
export class SimulatorProvider implements PaymentProvider {
  readonly name = "simulator" as const;
  constructor(private readonly sim: DurableObjectStub<PaymentSimulator>, private readonly webhookUrl: string) {}

  createIntent(input: CreateIntentInput): Promise<IntentInfo> {
    return this.sim.create(input, this.webhookUrl);
  }

  async retrieveIntent(id: string): Promise<IntentInfo> {
    const found = await this.sim.retrieve(id);
    if (!found) throw new Error(`No such payment_intent: ${id}`);
    return found;
  }

  cancelIntent(id: string): Promise<"canceled" | "not_cancelable"> {
    return this.sim.cancel(id);
  }

  async refund(intentId: string, idempotencyKey: string, reason: string): Promise<{ refundId: string; status: string }> {
    const r = await this.sim.refund(intentId, idempotencyKey, reason);
    if ("error" in r) throw new ProviderRefusal(r.error);
    return r;
  }
}
