// A built-in rule: a light command is confirmed when the device reports the state it asked for
// within a deadline; otherwise it is retried, then recorded as failed.
import { defineRule } from '../../sdk/rule.ts';
import { durationSchema } from '../../sdk/duration.ts';
import { z } from 'zod';

export const COMMAND_LIFECYCLE = 'command-lifecycle';

const options = z.object({
  /** How long a device has to report the commanded state. */
  confirmTimeout: durationSchema.prefault('5s'),
  /** How many times an unconfirmed command is sent again. */
  retries: z.number().int().nonnegative().default(2),
});

interface Pending {
  commandId: string;
  state: 'ON' | 'OFF';
  attempt: number;
  sentAt: number;
}

function reported(on: boolean, ctx: Parameters<NonNullable<typeof rule.on>['light.state']>[1]): void {
  const pending = ctx.state.get<Pending>();
  if (!pending || (pending.state === 'ON') !== on) return;
  ctx.state.delete();
  ctx.timers.cancel('confirm');
  ctx.emit('command.confirmed', { commandId: pending.commandId, device: ctx.key, latencyMs: ctx.now.getTime() - pending.sentAt });
}

const rule = defineRule({
  name: COMMAND_LIFECYCLE,
  // Part of the gateway, on every command's path: never in the rule worker.
  isolation: 'inline',
  description: 'confirms light commands by the state the device reports; retries, then records failure',
  options,
  per: 'device',
  on: {
    'command.light'(event, ctx) {
      // A toggle has no state to wait for; it also ends waiting for an earlier command.
      if (event.data.state === 'TOGGLE') {
        ctx.state.delete();
        ctx.timers.cancel('confirm');
        return;
      }
      ctx.state.set({ commandId: event.id, state: event.data.state, attempt: event.data.attempt ?? 0, sentAt: ctx.now.getTime() } satisfies Pending);
      ctx.timers.set('confirm', ctx.options.confirmTimeout);
    },
    'light.state': (event, ctx) => reported(event.data.on, ctx),
    'switch.state': (event, ctx) => reported(event.data.on, ctx as never),
  },
  timers: {
    confirm(timer, ctx) {
      const pending = ctx.state.get<Pending>();
      if (!pending) return;
      // A deadline that passed while the gateway was down: switching the light now would be a surprise.
      const stale = timer.lateMs > ctx.options.confirmTimeout;
      if (!stale && pending.attempt < ctx.options.retries) {
        ctx.command(ctx.key, { state: pending.state, attempt: pending.attempt + 1 });
        return;
      }
      ctx.state.delete();
      ctx.emit('command.failed', {
        commandId: pending.commandId,
        device: ctx.key,
        error: stale
          ? `not confirmed, and not retried: its deadline passed ${timer.lateMs} ms ago while the gateway was down`
          : `not confirmed: the device did not report ${pending.state} within ${ctx.options.confirmTimeout} ms, ${pending.attempt + 1} attempt(s)`,
      });
    },
  },
});

export default rule;
