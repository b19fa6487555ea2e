// A three-node RabbitMQ 3.10 cluster with the MQTT plugin on loopback: nodes rabbit1..3@localhost,
// each with its own ports, Mnesia and log dirs, one Erlang cookie (a shared HOME), a private
// epmd; nodes 2 and 3 join node 1 (`rabbitmqctl join_cluster`). Everything under one temp dir,
// removed by stop().
import { writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { freePort, LOOPBACK, makeTempDir, removeTempDir, startProcess, waitForPort, type Proc } from './proc.js';
import { rabbitmqConf, rabbitmqServerScript } from './rabbitmq.js';

export interface ClusterNode {
  name: string;
  mqttPort: number;
  /** Still running (stopNode() not called). */
  up: boolean;
}

export interface RunningCluster {
  nodes: ClusterNode[];
  /** rabbitmqctl's output of cluster_status, as seen from node 1. */
  status(): Promise<string>;
  /** Stops node i (0-based) as a crash would: KILL to its process group. */
  killNode(i: number): Promise<void>;
  /** Stops every node and epmd, removes the temp dir. */
  stop(): Promise<void>;
}

const ERL_ARGS = '-kernel inet_dist_use_interface {127,0,0,1}';

export async function startRabbitCluster(size = 3, timeoutMs = 120000): Promise<RunningCluster> {
  const script = rabbitmqServerScript();
  if (script === null) throw new Error('rabbitmq-server is not installed (Debian package rabbitmq-server)');
  const ctl = join(dirname(script), 'rabbitmqctl');
  const dir = makeTempDir('rabbit-cluster');
  const home = join(dir, 'home');
  mkdirSync(home);
  // One cookie for every node and for rabbitmqctl: what lets them talk to each other.
  writeFileSync(join(home, '.erlang.cookie'), `XSMQTTCLUSTER${process.pid}`);
  chmodSync(join(home, '.erlang.cookie'), 0o400);
  writeFileSync(join(dir, 'enabled_plugins'), '[rabbitmq_mqtt].\n');
  writeFileSync(join(dir, 'rabbitmq-env.conf'), '');
  const epmdPort = await freePort();
  const base: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: ERL_ARGS,
    RABBITMQ_CTL_ERL_ARGS: ERL_ARGS,
    ERL_EPMD_PORT: String(epmdPort),
    ERL_EPMD_ADDRESS: LOOPBACK,
  };
  const epmd = startProcess('epmd', ['-port', String(epmdPort), '-address', LOOPBACK], { env: base });
  const procs: (Proc | null)[] = [];
  const nodes: ClusterNode[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(procs.map((p) => (p === null ? undefined : p.stop(15000))));
    await epmd.stop(2000);
    removeTempDir(dir);
  };
  const runCtl = async (args: string[], ms = 60000): Promise<string> => {
    const p = startProcess(ctl, args, { env: base, cwd: dir });
    const timer = setTimeout(() => { void p.kill(); }, ms);
    const code = await p.exited;
    clearTimeout(timer);
    if (code !== 0) throw new Error(`rabbitmqctl ${args.join(' ')} exited with ${String(code)}: ${p.output().slice(-1500)}`);
    return p.output();
  };
  try {
    await waitForPort(epmdPort, 5000, LOOPBACK, () => epmd.child.exitCode === null);
    const started: Promise<void>[] = [];
    for (let i = 1; i <= size; i++) {
      const [mqttPort, amqpPort, distPort] = [await freePort(), await freePort(), await freePort()];
      const nd = join(dir, `rabbit${i}`);
      mkdirSync(nd);
      writeFileSync(join(nd, 'rabbitmq.conf'), rabbitmqConf(amqpPort, mqttPort));
      const name = `rabbit${i}@localhost`;
      const env: NodeJS.ProcessEnv = {
        ...base,
        RABBITMQ_NODENAME: name,
        RABBITMQ_NODE_PORT: String(amqpPort),
        RABBITMQ_DIST_PORT: String(distPort),
        RABBITMQ_CONFIG_FILE: join(nd, 'rabbitmq.conf'),
        RABBITMQ_ADVANCED_CONFIG_FILE: join(nd, 'advanced.config'),
        RABBITMQ_MNESIA_BASE: join(nd, 'mnesia'),
        RABBITMQ_LOG_BASE: join(nd, 'log'),
        RABBITMQ_PID_FILE: join(nd, 'rabbit.pid'),
      };
      const p = startProcess(script, [], { env, cwd: dir });
      procs.push(p);
      nodes.push({ name, mqttPort, up: true });
      started.push(waitForPort(mqttPort, timeoutMs, LOOPBACK, () => p.child.exitCode === null));
    }
    await Promise.all(started);
    for (let i = 1; i < size; i++) {
      const n = nodes[i].name;
      await runCtl(['-n', n, 'stop_app']);
      await runCtl(['-n', n, 'join_cluster', nodes[0].name]);
      await runCtl(['-n', n, 'start_app']);
      await waitForPort(nodes[i].mqttPort, timeoutMs, LOOPBACK, () => procs[i]?.child.exitCode === null);
    }
  } catch (err) {
    const out = procs.map((p, i) => `--- rabbit${i + 1}\n${p === null ? '' : p.output().slice(-1500)}`).join('\n');
    await stop();
    throw new Error(`the RabbitMQ cluster did not start: ${(err as Error).message}\n${out}`);
  }
  return {
    nodes,
    status: () => runCtl(['-n', nodes[0].name, 'cluster_status']),
    async killNode(i: number) {
      const p = procs[i];
      if (p === null || p === undefined) return;
      nodes[i].up = false;
      await p.stop(100, 'SIGKILL');
      procs[i] = null;
    },
    stop,
  };
}
