// The in-process adapters of embedded mode against the port contracts.
import { MemoryBus } from '../../src/adapters/memory/bus.js';
import { MemoryPresence } from '../../src/adapters/memory/presence.js';
import { MemoryRateLimiter } from '../../src/adapters/memory/rate-limit.js';
import { busContract } from '../contracts/bus.contract.js';
import { presenceContract } from '../contracts/presence.contract.js';
import { rateLimitContract } from '../contracts/rate-limit.contract.js';

busContract('memory', async (opts) => new MemoryBus(opts));
presenceContract('memory', async () => new MemoryPresence());
rateLimitContract('memory', async () => new MemoryRateLimiter());
