import type { LiveInstance } from '../../../../src/shared/api.js';
import { ago, duration, lag, megabytes } from '../../admin/format.js';

/** The live instances: one row each, updated by every heartbeat. */
export function InstanceTable({ instances, now }: { instances: LiveInstance[]; now: number }) {
  if (instances.length === 0) return <p class="wall__empty">No instance has reported in the last 15 seconds.</p>;
  return (
    <div class="admin__scroll">
      <table class="admin__table" data-testid="instances">
        <thead>
          <tr>
            <th scope="col">Instance</th>
            <th scope="col">Roles</th>
            <th scope="col" class="num">Connections</th>
            <th scope="col" class="num">Memory (RSS / heap)</th>
            <th scope="col" class="num">Event-loop lag (p99)</th>
            <th scope="col" class="num">Uptime</th>
            <th scope="col" class="num">Last seen</th>
          </tr>
        </thead>
        <tbody>
          {instances.map((i) => (
            <tr key={i.instance} data-testid="instance-row" data-instance={i.instance}>
              <th scope="row">
                <code>{i.instance}</code>
              </th>
              <td>
                {i.roles.join(' + ')} <span class="muted">({i.mode})</span>
              </td>
              <td class="num" data-testid="instance-connections">
                {i.connections}
              </td>
              <td class="num">
                {megabytes(i.memory.rss)} / {megabytes(i.memory.heapUsed)}
              </td>
              <td class="num" data-lag={i.eventLoopLagMs >= 100 ? 'high' : undefined}>
                {lag(i.eventLoopLagMs)}
              </td>
              <td class="num">{duration(i.uptimeS)}</td>
              <td class="num muted">{ago(Math.max(0, now - i.seenAt))}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
