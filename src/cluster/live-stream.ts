import { DeliverPolicy, type ConsumerMessages, type JetStreamClient } from 'nats';

import type { ClusterNames } from './cluster-names.js';
import type { LiveSource } from './live-feed.js';

/**
 * The live feed's messages from the cluster's live stream (`<name>_live`): an ordered consumer
 * over every partition's live subject that starts with each partition's last message and then
 * delivers every new one. JetStream gives the stream one order, so every node applies every
 * partition's messages in the same interleaving, which is what lets them number the channels of
 * every symbol alike.
 */
export function liveStream(js: JetStreamClient, names: ClusterNames): LiveSource {
  let messages: ConsumerMessages | undefined;
  return {
    async start(deliver) {
      const consumer = await js.consumers.get(names.liveStream, {
        filterSubjects: names.liveSubjects,
        deliver_policy: DeliverPolicy.LastPerSubject,
      });
      messages = await consumer.consume({ callback: (m) => deliver(m.data, m.seq) });
    },
    stop() {
      messages?.stop();
    },
  };
}
