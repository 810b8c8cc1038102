/**
 * The NATS names of one cluster (`cluster.name`), all derived here: the JetStream stream of ticks
 * with one subject per partition, the live subjects, the key-value buckets.
 */
export class ClusterNames {
  readonly cluster: string;
  /** The JetStream stream holding every partition's ticks. */
  readonly stream: string;
  /** The JetStream stream of every partition's live messages, in one order for every node. */
  readonly liveStream: string;
  /** Key-value bucket of partition leases and node membership (entries expire: TTL). */
  readonly leaseBucket: string;
  /** Key-value bucket of the cluster's fixed settings (the partition count). */
  readonly metaBucket: string;

  constructor(cluster: string) {
    this.cluster = cluster;
    this.stream = `${cluster}_ticks`;
    this.liveStream = `${cluster}_live`;
    this.leaseBucket = `${cluster}_leases`;
    this.metaBucket = `${cluster}_meta`;
  }

  /** Subjects of the tick stream (`<name>.ticks.<partition>`). */
  get tickSubjects(): string {
    return `${this.cluster}.ticks.*`;
  }

  tickSubject(partition: number): string {
    return `${this.cluster}.ticks.${partition}`;
  }

  /** Accepted ticks of a partition, published by its owner as it applies them (the live stream). */
  liveSubject(partition: number): string {
    return `${this.cluster}.live.${partition}`;
  }

  get liveSubjects(): string {
    return `${this.cluster}.live.*`;
  }
}
