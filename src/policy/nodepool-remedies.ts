import type { ClusterModel, NodePool, NodePoolRequirement } from '../cluster/model.js';
import { simulate, type Simulation, type SimulationInput } from '../simulate/simulate.js';
import type { PolicyConfig } from './config.js';
import { judge } from './verdict.js';

/** Instance types tried one by one as a restriction of the NodePool: the cheapest candidates first. */
const MAX_TYPES_TRIED = 6;

export interface NodePoolRemedy {
  readonly text: string;
}

const INSTANCE_TYPE = 'node.kubernetes.io/instance-type';
const ZONE = 'topology.kubernetes.io/zone';

function withPool(model: ClusterModel, pool: NodePool): ClusterModel {
  const nodePools = new Map(model.nodePools);
  nodePools.set(pool.name, pool);
  return { ...model, nodePools };
}

function restricted(pool: NodePool, key: string, values: readonly string[]): NodePool {
  const requirements: NodePoolRequirement[] = [
    ...pool.requirements.filter(r => r.key !== key),
    { key, operator: 'In', values },
  ];
  return { ...pool, requirements };
}

function unzoned(pool: NodePool): NodePool {
  return { ...pool, requirements: pool.requirements.filter(r => r.key !== ZONE) };
}

function fits(
  input: SimulationInput,
  sim: Simulation,
  config: PolicyConfig,
): Simulation | undefined {
  const trial = simulate(input);
  if (trial.unplaced > sim.unplaced) return undefined;
  return judge(trial, input.model, config).verdict === 'deny' ? undefined : trial;
}

/**
 * Changes to the NodePool that would make a denied change fit, each found by re-running the simulation
 * with the NodePool changed: restrict it to one instance type (fewer addresses per node, or more pods per
 * node, whichever the CNI settings favour), or let it use every zone its node class has subnets in.
 */
export function nodePoolRemedies(
  input: SimulationInput,
  sim: Simulation,
  config: PolicyConfig,
  stop: () => boolean,
): NodePoolRemedy[] {
  const b = sim.bounds;
  const model = input.model;
  if (!b || !model.nodePools) return [];
  const out: NodePoolRemedy[] = [];
  for (const name of b.nodePools) {
    const pool = model.nodePools.get(name);
    if (!pool) continue;
    const zoneReq = pool.requirements.find(r => r.key === ZONE);
    if (zoneReq && !stop()) {
      const trial = fits({ ...input, model: withPool(model, unzoned(pool)) }, sim, config);
      if (trial)
        out.push({
          text: `let NodePool ${name} launch in every zone its node class has subnets in (drop its ${ZONE} requirement): needs ${trial.ipsRequired}, fits`,
        });
    }
    const tried = new Set<string>();
    const types = [b.bestType, b.likelyType, ...b.candidateTypes].filter(
      (t): t is string => t !== undefined,
    );
    for (const t of types) {
      if (tried.size >= MAX_TYPES_TRIED || stop()) break;
      if (tried.has(t)) continue;
      tried.add(t);
      const trial = fits(
        { ...input, model: withPool(model, restricted(pool, INSTANCE_TYPE, [t])) },
        sim,
        config,
      );
      if (!trial) continue;
      out.push({
        text: `restrict NodePool ${name} to ${t} (requirement ${INSTANCE_TYPE} In [${t}]): ${trial.newNodes} new nodes, needs ${trial.ipsRequired}, fits`,
      });
      break;
    }
  }
  return out;
}

/** Trials when only worse cases fail: each drops the type behind the worst case. */
const MAX_DROPS = 8;

/**
 * When the likely case fits but a worse type or zone would not: the NodePool restricted to the types
 * whose worst case still fits, found by dropping the worst type and simulating again.
 */
export function nodePoolRestriction(
  input: SimulationInput,
  sim: Simulation,
  stillShort: (sim: Simulation) => boolean,
  stop: () => boolean,
): NodePoolRemedy | undefined {
  const b = sim.bounds;
  const model = input.model;
  const name = b?.nodePools[0];
  const pool = name === undefined ? undefined : model.nodePools?.get(name);
  if (!b || !pool || b.nodePools.length !== 1) return undefined;
  let keep = [...b.candidateTypes];
  const dropped: string[] = [];
  let worst = b.worstType;
  for (let i = 0; i < MAX_DROPS && worst !== undefined && !stop(); i++) {
    const w: string = worst;
    keep = keep.filter(t => t !== w);
    dropped.push(w);
    if (keep.length === 0) return undefined;
    const trial = simulate({
      ...input,
      model: withPool(model, restricted(pool, INSTANCE_TYPE, keep)),
    });
    if (trial.unplaced > sim.unplaced) return undefined;
    if (!stillShort(trial)) {
      const shown = keep.length > 6 ? `${keep.slice(0, 6).join(', ')}, …` : keep.join(', ');
      return {
        text: `restrict NodePool ${name} to types whose worst case fits (${INSTANCE_TYPE} NotIn [${dropped.join(', ')}], leaving ${shown}): fits whatever type Karpenter picks`,
      };
    }
    worst = trial.bounds?.worstType;
  }
  return undefined;
}
